using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Contracts.Text;

namespace Dxmig.Transformers.Text;

/// <summary>
/// Normal forms of Japanese contact data. Each returns a new string (or null when the input has no normal form);
/// callers keep the original beside it.
/// </summary>
public static partial class JapaneseNormalizer
{

    /// <summary>
    /// ふりがな in full-width hiragana: half-width katakana widened (ｶﾞ → ガ), katakana to hiragana, every run of spaces
    /// (including U+3000) one ASCII space. Null for empty input.
    /// </summary>
    public static string? Kana(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var widened = value.Normalize(NormalizationForm.FormKC);
        var builder = new StringBuilder(widened.Length);
        var space = false;
        foreach (var c in widened.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c is >= '\u30A1' and <= '\u30F6' ? (char)(c - 0x60) : c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// A Japanese phone number in E.164 (+81…): full-width digits and any dash or bracket accepted, an extension
    /// (内線, ext) cut off. Null when the value is not a dialable number (too short, letters, an extension only).
    /// </summary>
    public static string? PhoneE164(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Normalize(NormalizationForm.FormKC).Trim();
        var extension = ExtensionPattern().Match(text);
        if (extension.Success)
        {
            text = text[..extension.Index].TrimEnd();
        }

        var international = text.StartsWith('+');
        var digits = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (!(c is '-' or ' ' or '(' or ')' or '.' or '+' or '‐' or '−' or '–' or '—' or 'ー' or '/'))
            {
                return null;
            }
        }

        var number = digits.ToString();
        if (international)
        {
            return number.Length is >= 8 and <= 15 ? "+" + number : null;
        }

        if (number.StartsWith("00", StringComparison.Ordinal) || !number.StartsWith('0') || number.Length is < 10 or > 11)
        {
            return null;
        }

        return "+81" + number[1..];
    }

    /// <summary>A postal code as NNN-NNNN (〒 and full-width digits accepted); null when it is not seven digits.</summary>
    public static string? PostalCode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var digits = new string([.. value.Normalize(NormalizationForm.FormKC).Where(char.IsAsciiDigit)]);
        return digits.Length == 7 ? $"{digits[..3]}-{digits[3..]}" : null;
    }

    /// <summary>A mail address trimmed, full-width characters narrowed, lower-cased; null for empty.</summary>
    public static string? Email(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return value.Normalize(NormalizationForm.FormKC).Trim().ToLowerInvariant();
    }

    /// <summary>The private-use code points (外字) in the values, as "U+E000 U+E001"; null when none.</summary>
    public static string? Gaiji(IEnumerable<string> values)
    {
        var found = new SortedSet<char>();
        foreach (var value in values)
        {
            foreach (var c in value)
            {
                if (JapaneseEncodings.IsPrivateUse(c))
                {
                    found.Add(c);
                }
            }
        }

        return found.Count == 0 ? null : string.Join(' ', found.Select(c => $"U+{(int)c:X4}"));
    }

    [GeneratedRegex(@"(内線|(?i:ext)\.?|#)\s*\d*.*$")]
    private static partial Regex ExtensionPattern();
}

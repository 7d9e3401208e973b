using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Contracts.Mappings;

/// <summary>
/// 外字 (CP932 user-defined characters, decoded to the private-use area U+E000–U+E757) → the text to show instead,
/// from a CSV with the header <c>codepoint,replacement</c> (<c>U+E000,髙</c>). The original is always kept beside.
/// </summary>
public sealed class GaijiMap
{
    private readonly Dictionary<char, string> map;

    private GaijiMap(Dictionary<char, string> map) => this.map = map;

    public static GaijiMap Empty { get; } = new([]);

    public int Count => map.Count;

    public static GaijiMap FromPairs(IEnumerable<KeyValuePair<char, string>> pairs) => new(pairs.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>Reads the table; every bad row is reported with its line. Null when the file has errors.</summary>
    public static GaijiMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var map = new Dictionary<char, string>();
        var before = diagnostics.Items.Count;
        var header = true;
        if (SimpleCsv.Read(path, diagnostics) is not { } rows)
        {
            return null;
        }

        foreach (var (line, fields) in rows)
        {
            var at = SimpleCsv.At(path, line);
            if (header)
            {
                header = false;
                if (fields.Length < 2 || !fields[0].Equals("codepoint", StringComparison.OrdinalIgnoreCase))
                {
                    diagnostics.Error(at, "見出しは 'codepoint,replacement' にしてください", "the header must be 'codepoint,replacement'");
                    return null;
                }

                continue;
            }

            var code = fields[0].StartsWith("U+", StringComparison.OrdinalIgnoreCase) ? fields[0][2..] : fields[0];
            if (fields.Length != 2 || !int.TryParse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) ||
                value > char.MaxValue || !JapaneseEncodings.IsPrivateUse((char)value))
            {
                diagnostics.Error(at, $"'{fields[0]}' は私用領域 (U+E000〜U+F8FF) の符号位置ではありません", $"'{fields[0]}' is not a private-use code point (U+E000 to U+F8FF)");
                continue;
            }

            if (fields[1].Length == 0)
            {
                diagnostics.Error(at, "置き換える文字が空です", "the replacement is empty");
                continue;
            }

            map[(char)value] = fields[1];
        }

        return diagnostics.Items.Count > before ? null : new GaijiMap(map);
    }

    /// <summary>True when the text holds a 外字 the table has no entry for.</summary>
    public bool HasUnmapped(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (JapaneseEncodings.IsPrivateUse(c) && !map.ContainsKey(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text with mapped 外字 replaced; unmapped ones stay as they are.</summary>
    public string Apply(string text, out bool unmapped)
    {
        ArgumentNullException.ThrowIfNull(text);
        unmapped = false;
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!JapaneseEncodings.IsPrivateUse(c))
            {
                builder?.Append(c);
                continue;
            }

            builder ??= new StringBuilder(text, 0, i, text.Length + 8);
            if (map.TryGetValue(c, out var replacement))
            {
                builder.Append(replacement);
            }
            else
            {
                unmapped = true;
                builder.Append(c);
            }
        }

        return builder?.ToString() ?? text;
    }
}

using System.Text;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using MimeKit;

namespace Dxmig.Transformers.Mail;

/// <summary>
/// Rewrites raw 8-bit header fields (unencoded Shift_JIS in Subject or From, common in old Japanese mail) into RFC 2047
/// encoded-words, for targets that refuse them (Exchange: "Message contains invalid header"). Each field with 8-bit
/// bytes is decoded as the message's declared charset, else CP932, else UTF-8; address fields keep their addresses and
/// encode only the display names. Fields without 8-bit bytes, and the body, are left byte for byte. Pure.
/// </summary>
public static class HeaderRepair
{
    private static readonly HashSet<string> AddressFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Resent-From", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Sender",
    };

    // Shorter lines than MimeKit's default keep each encoded-word within RFC 2047's 75 characters; CRLF line ends.
    private static readonly FormatOptions Format = CreateFormat();

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.MaxLineLength = 72;
        return format;
    }

    /// <summary>The repaired header block and the names of the fields that changed; null when nothing needed repair.</summary>
    public static (byte[] Header, IReadOnlyList<string> Fields)? Repair(ReadOnlySpan<byte> header)
    {
        if (!MailHeaderBlock.Has8Bit(header))
        {
            return null;
        }

        JapaneseEncodings.EnsureRegistered();
        var declared = DeclaredCharset(header);
        var output = new List<byte>(header.Length + 256);
        var changed = new List<string>();
        foreach (var field in Fields(header))
        {
            var colon = Array.IndexOf(field, (byte)':');
            if (!MailHeaderBlock.Has8Bit(field) || colon <= 0)
            {
                output.AddRange(field);
                continue;
            }

            var name = Encoding.ASCII.GetString(field.AsSpan(0, colon)).Trim();
            var text = Decode(Unfold(field.AsSpan(colon + 1)), declared);
            if (text is null)
            {
                output.AddRange(field);
                continue;
            }

            // MimeKit's Header encodes (display names only, for address fields) and folds as RFC 2047 asks.
            var value = AddressFields.Contains(name) && InternetAddressList.TryParse(text, out var addresses) ? addresses.ToString() : text.Trim();
            var encoded = new Header(name, string.Empty);
            encoded.SetValue(Format, Encoding.UTF8, value);
            output.AddRange(Encoding.ASCII.GetBytes(name + ":"));
            // MimeKit folds with the platform's newline; mail needs CRLF (the value is 7-bit ASCII, so this is safe).
            output.AddRange(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(encoded.RawValue).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal)));
            changed.Add(name);
        }

        return changed.Count == 0 ? null : ([.. output], changed);
    }

    private static List<byte[]> Fields(ReadOnlySpan<byte> header)
    {
        var fields = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] != '\n')
            {
                continue;
            }

            var next = i + 1;
            var continues = next < header.Length && header[next] is (byte)' ' or (byte)'\t';
            if (!continues)
            {
                fields.Add(header[start..next].ToArray());
                start = next;
            }
        }

        if (start < header.Length)
        {
            fields.Add(header[start..].ToArray());
        }

        return fields;
    }

    private static byte[] Unfold(ReadOnlySpan<byte> value)
    {
        var result = new List<byte>(value.Length);
        foreach (var b in value)
        {
            if (b is not ((byte)'\r' or (byte)'\n'))
            {
                result.Add(b);
            }
        }

        return [.. result];
    }

    private static string? Decode(byte[] value, Encoding? declared)
    {
        foreach (var encoding in new[] { declared, JapaneseEncodings.StrictCp932(), JapaneseEncodings.StrictUtf8() })
        {
            if (encoding is null)
            {
                continue;
            }

            try
            {
                return encoding.GetString(value);
            }
            catch (DecoderFallbackException)
            {
                // Try the next one.
            }
        }

        return null;
    }

    private static Encoding? DeclaredCharset(ReadOnlySpan<byte> header)
    {
        var text = Encoding.Latin1.GetString(header);
        var at = text.IndexOf("charset=", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var value = new string([.. text[(at + 8)..].TakeWhile(c => !char.IsWhiteSpace(c) && c is not (';' or '\r' or '\n'))]).Trim('"');
        try
        {
            var name = value.Equals("iso-2022-jp", StringComparison.OrdinalIgnoreCase) ? "iso-2022-jp" : value;
            return Encoding.GetEncoding(name, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
        catch (Exception ex) when (ex is NotSupportedException or ArgumentException)
        {
            return null;
        }
    }
}

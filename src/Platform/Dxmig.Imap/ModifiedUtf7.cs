using System.Text;

namespace Dxmig.Imap;

/// <summary>IMAP mailbox names in modified UTF-7 (RFC 3501 §5.1.3): 送信済み ⇄ &amp;kAFP4W4IMH8-.</summary>
public static class ModifiedUtf7
{
    public static string Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new StringBuilder(name.Length);
        var pending = new List<char>();
        void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(pending.ToArray());
            result.Append('&').Append(Convert.ToBase64String(bytes).TrimEnd('=').Replace('/', ',')).Append('-');
            pending.Clear();
        }

        foreach (var c in name)
        {
            if (c is >= '\x20' and <= '\x7e')
            {
                Flush();
                result.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                pending.Add(c);
            }
        }

        Flush();
        return result.ToString();
    }

    /// <exception cref="FormatException">The name is not valid modified UTF-7.</exception>
    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var result = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '&')
            {
                result.Append(encoded[i]);
                continue;
            }

            var end = encoded.IndexOf('-', i + 1);
            if (end < 0)
            {
                throw new FormatException($"unterminated modified UTF-7 in '{encoded}'");
            }

            if (end == i + 1)
            {
                result.Append('&');
            }
            else
            {
                var base64 = encoded[(i + 1)..end].Replace(',', '/');
                base64 += new string('=', (4 - (base64.Length % 4)) % 4);
                result.Append(Encoding.BigEndianUnicode.GetString(Convert.FromBase64String(base64)));
            }

            i = end;
        }

        return result.ToString();
    }
}

using System.Text;

namespace Dxmig.Contracts.Records;

/// <summary>Finding a message's header block in its first bytes.</summary>
public static class MailHeaderBlock
{
    /// <summary>How many bytes are read to find the header block.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>The length of the header block (up to and including the empty line), or -1 when there is none within the bytes.</summary>
    public static int Length(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\r\n"u8))
        {
            return 2;
        }

        var end = head.IndexOf("\r\n\r\n"u8);
        return end < 0 ? -1 : end + 4;
    }

    /// <summary>
    /// The Message-ID (without angle brackets) from the header block in <paramref name="head"/>, or null when there is
    /// none: the first <c>Message-ID:</c> field, folded lines joined. Read from the bytes already fetched, so the
    /// metadata FETCH needs no header section.
    /// </summary>
    public static string? MessageId(ReadOnlySpan<byte> head)
    {
        var length = Length(head);
        var block = length > 0 ? head[..length] : head;
        var start = 0;
        while (start < block.Length)
        {
            var end = block[start..].IndexOf((byte)'\n');
            var line = end < 0 ? block[start..] : block[start..(start + end)];
            if (line.Length > 11 && Ascii.EqualsIgnoreCase(line[..11], "Message-ID:"u8))
            {
                // The field's value, with any folded continuation lines.
                var value = new StringBuilder(Encoding.Latin1.GetString(line[11..]).Trim());
                var next = end < 0 ? block.Length : start + end + 1;
                while (next < block.Length && block[next] is (byte)' ' or (byte)'\t')
                {
                    var more = block[next..].IndexOf((byte)'\n');
                    var folded = more < 0 ? block[next..] : block[next..(next + more)];
                    value.Append(' ').Append(Encoding.Latin1.GetString(folded).Trim());
                    next = more < 0 ? block.Length : next + more + 1;
                }

                var raw = value.ToString().Trim();
                if (raw.Length == 0)
                {
                    return null;
                }

                return MimeKit.Utils.MimeUtils.EnumerateReferences(raw).FirstOrDefault() ?? raw.Trim('<', '>');
            }

            if (end < 0)
            {
                break;
            }

            start += end + 1;
        }

        return null;
    }

    /// <summary>True when the bytes hold one over 0x7F.</summary>
    public static bool Has8Bit(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>The header block when it holds raw 8-bit bytes (unencoded Shift_JIS and the like); null otherwise.</summary>
    public static byte[]? EightBitHeader(MessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var head = content.Prefix.Span;
        var length = Length(head);
        return length > 0 && Has8Bit(head[..length]) ? head[..length].ToArray() : null;
    }
}

namespace Dxmig.Platform.Records;

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

using MimeKit;

namespace Dxmig.Sandbox;

/// <summary>
/// A message body that MimeKit writes back byte for byte. MailKit appends only <see cref="MimeMessage"/>s, and
/// MimeKit re-serializes what it parses: a multipart without its closing boundary gains a CRLF, for one. Built by
/// <see cref="Wrap"/>, the message's own header fields are MimeKit headers (written back from their raw bytes, 8-bit
/// and unfolded lines included) and everything after the blank line is this entity, so the corpus's bytes are what
/// the server gets. Fill tests read the messages back and compare SHA-256, which would catch a MimeKit that changed this.
/// </summary>
internal sealed class RawBodyEntity : MimeEntity
{
    private readonly ReadOnlyMemory<byte> body;

    private RawBodyEntity(ReadOnlyMemory<byte> body)
        : base(new ContentType("application", "octet-stream"))
    {
        this.body = body;
        // The message's Content-* fields stay in its own header, in their place; this entity writes none.
        Headers.Clear();
    }

    /// <summary>A MimeMessage that writes exactly <paramref name="message"/> (CRLF line ends, a header and a body).</summary>
    /// <exception cref="ArgumentException">The bytes have no blank line ending a header.</exception>
    public static MimeMessage Wrap(ReadOnlyMemory<byte> message)
    {
        var end = message.Span.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new ArgumentException("no blank line after the header", nameof(message));
        }

        HeaderList headers;
        using (var stream = new MemoryStream(message[..(end + 4)].ToArray(), writable: false))
        {
            headers = HeaderList.Load(stream);
        }

        return new MimeMessage((IEnumerable<Header>)headers) { Body = new RawBodyEntity(message[(end + 4)..]) };
    }

    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        // Nothing to prepare: the bytes go out as they are.
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(body.Span);
    }

    public override Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.WriteAsync(body, cancellationToken).AsTask();
    }
}

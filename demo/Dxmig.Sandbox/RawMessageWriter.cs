using System.Buffers;
using System.Text;

namespace Dxmig.Sandbox;

/// <summary>
/// Writes a message byte by byte, for the cases MimeKit would never produce: raw 8-bit header values, unfolded lines
/// of thousands of octets, a multipart without its closing boundary. Every line ends in CRLF.
/// </summary>
internal sealed class RawMessageWriter
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private readonly ArrayBufferWriter<byte> stream = new();

    public RawMessageWriter Header(string name, string asciiValue) => Header(name, Encoding.ASCII.GetBytes(asciiValue));

    public RawMessageWriter Header(string name, params ReadOnlySpan<byte> value)
    {
        stream.Write(Encoding.ASCII.GetBytes(name + ": "));
        stream.Write(value);
        stream.Write(CrLf);
        return this;
    }

    /// <summary>The blank line between header and body.</summary>
    public RawMessageWriter EndHeader()
    {
        stream.Write(CrLf);
        return this;
    }

    public RawMessageWriter Line(string ascii) => Line(Encoding.ASCII.GetBytes(ascii));

    public RawMessageWriter Line(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        stream.Write(CrLf);
        return this;
    }

    /// <summary>Body bytes as they are; the caller's line ends must be CRLF, and the last one too.</summary>
    public RawMessageWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        return this;
    }

    public byte[] ToArray() => stream.WrittenSpan.ToArray();
}

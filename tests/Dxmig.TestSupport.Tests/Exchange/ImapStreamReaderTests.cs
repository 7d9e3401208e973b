using System.Text;
using Dxmig.TestSupport.Exchange;

namespace Dxmig.TestSupport.Tests.Exchange;

public sealed class ImapStreamReaderTests
{
    [Theory]
    [InlineData("a APPEND INBOX {12}\r\n", true, 12, true, 15)]
    [InlineData("a APPEND INBOX {12+}\r\n", true, 12, false, 15)]
    [InlineData("* 1 FETCH (BINARY[] ~{7}\r\n", true, 7, true, 20)]
    [InlineData("a NOOP\r\n", false, 0, true, -1)]
    [InlineData("a LOGIN {} x\r\n", false, 0, true, -1)]
    [InlineData("a SEARCH SUBJECT }\r\n", false, 0, true, -1)]
    [InlineData("a X {+}\r\n", false, 0, false, -1)]
    public void TryGetLiteral_FindsTheAnnouncementAtTheEndOnly(string line, bool found, long size, bool synchronizing, int markerStart)
    {
        ImapStreamReader.TryGetLiteral(Encoding.ASCII.GetBytes(line), out var s, out var sync, out var marker).Should().Be(found);
        if (found)
        {
            (s, sync, marker).Should().Be((size, synchronizing, markerStart));
        }
    }

    [Fact]
    public async Task Lines_AndLiterals_AreReadAcrossReadsOfAnySize()
    {
        var transcript = "a1 APPEND INBOX {5+}\r\nHello\r\na2 NOOP\r\n";
        using var stream = new TrickleStream(Encoding.ASCII.GetBytes(transcript));
        var reader = new ImapStreamReader(stream);

        Encoding.ASCII.GetString((await reader.ReadLineAsync(100, CancellationToken.None))!).Should().Be("a1 APPEND INBOX {5+}\r\n");
        Encoding.ASCII.GetString(await reader.ReadBytesAsync(5, CancellationToken.None)).Should().Be("Hello");
        Encoding.ASCII.GetString((await reader.ReadLineAsync(100, CancellationToken.None))!).Should().Be("\r\n");
        Encoding.ASCII.GetString((await reader.ReadLineAsync(100, CancellationToken.None))!).Should().Be("a2 NOOP\r\n");
        (await reader.ReadLineAsync(100, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ALineLongerThanTheLimit_Throws()
    {
        using var stream = new TrickleStream(Encoding.ASCII.GetBytes(new string('x', 100) + "\r\n"));
        var reader = new ImapStreamReader(stream);

        var read = async () => await reader.ReadLineAsync(10, CancellationToken.None);

        await read.Should().ThrowAsync<InvalidDataException>();
    }

    /// <summary>Gives at most three bytes a read, so every boundary falls inside a line or a literal somewhere.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(3, buffer.Length)], cancellationToken);
    }
}

using System.Text;
using Dxmig.TestSupport.Exchange;

namespace Dxmig.TestSupport.Tests.Exchange;

public sealed class ImapCommandTests
{
    [Fact]
    public void Tokens_KeepBracketsWhole_UnescapeQuoted_AndPlaceLiteralsAtTheirDepth()
    {
        var command = new ImapCommand(
        [
            Part("a1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]) \"x \\\"y\\\"\" (", "lit"),
            Part(")"),
        ]);

        command.Tag.Should().Be("a1");
        command.Name.Should().Be("UID FETCH");
        command.Arguments.Select(t => $"{t.Kind}:{t.Value}@{t.Depth}").Should().Equal(
            "Atom:1:*@0", "Open:(@0", "Atom:FLAGS@1", "Atom:BODY.PEEK[HEADER.FIELDS (FROM TO)]@1", "Close:)@0",
            "Quoted:x \"y\"@0", "Open:(@0", "Literal:lit@1", "Close:)@0");
        command.LiteralCount.Should().Be(1);
    }

    [Fact]
    public void PartsOf_WritesTokensBack_WithNonSynchronizingLiterals()
    {
        var command = new ImapCommand([Part("t APPEND ", "Box"), Part(" (\\Seen \\Flagged) \"01-Apr-2026 09:00:00 +0900\" ", "Hello"), Part("")]);

        var parts = ImapCommand.PartsOf(command.Tokens);

        Flatten(parts).Should().Be("t APPEND {3+}\r\nBox (\\Seen \\Flagged) \"01-Apr-2026 09:00:00 +0900\" {5+}\r\nHello\r\n");
    }

    [Fact]
    public void Name_OfAnUnparsableLine_IsEmpty()
    {
        new ImapCommand([Part("")]).Name.Should().BeEmpty();
        new ImapCommand([Part("lonely")]).Name.Should().BeEmpty();
    }

    private static ImapCommandPart Part(string text, string? literal = null) =>
        new(Encoding.Latin1.GetBytes(text), literal is null ? null : Encoding.Latin1.GetBytes(literal));

    private static string Flatten(IEnumerable<ImapCommandPart> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(Encoding.Latin1.GetString(part.Text));
            if (part.Literal is { } literal)
            {
                text.Append(Encoding.ASCII.GetString(ImapCommand.LiteralMarker(literal.Length))).Append(Encoding.Latin1.GetString(literal));
            }
        }

        return text.Append("\r\n").ToString();
    }
}

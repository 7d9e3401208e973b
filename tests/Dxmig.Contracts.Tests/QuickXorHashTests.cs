using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Contracts.Tests;

public sealed class QuickXorHashTests
{
    [Theory]
    [InlineData("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("hello world", "aCgDG9jwBhDc4Q1yawMZAAAAAAA=")]
    public void Of_KnownInputs_GivesThePublishedValues(string text, string expected) =>
        QuickXorHash.Of(Encoding.ASCII.GetBytes(text)).Should().Be(expected);

    [Fact]
    public void Append_InPiecesOfAnySize_GivesTheSameAsWhole()
    {
        var bytes = new byte[100_003];
        new Random(5).NextBytes(bytes);
        var pieces = new QuickXorHash();
        for (var offset = 0; offset < bytes.Length; offset += 777)
        {
            pieces.Append(bytes.AsSpan(offset, Math.Min(777, bytes.Length - offset)));
        }

        pieces.ToBase64().Should().Be(QuickXorHash.Of(bytes));
        QuickXorHash.Of(bytes.AsSpan(0, bytes.Length - 1)).Should().NotBe(QuickXorHash.Of(bytes));
    }
}

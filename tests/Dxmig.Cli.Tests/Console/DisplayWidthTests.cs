using Dxmig.Cli.Console;

namespace Dxmig.Cli.Tests;

public sealed class DisplayWidthTests
{
    [Theory]
    [InlineData("account", 7)]
    [InlineData("アカウント", 10)]
    [InlineData("アカウント / account", 20)]
    [InlineData("髙橋①㈱", 7)] // ① is East Asian ambiguous: one column, as terminals without a CJK setting draw it
    [InlineData("ＡＢ１", 6)]
    [InlineData("ｱｶｳﾝﾄ", 5)] // halfwidth katakana: one column each
    [InlineData("e\u0301", 1)] // a combining accent takes no column
    [InlineData("", 0)]
    public void Of_CountsWideCharactersAsTwoColumns(string text, int columns) => DisplayWidth.Of(text).Should().Be(columns);

    [Fact]
    public void Wrap_BreaksAtSpacesAndNeverSplitsAWord()
    {
        var lines = DisplayWidth.Wrap("connection refused by imap.pref.example.jp port 993 after 3 tries", 20);

        lines.Should().Equal("connection refused", "by", "imap.pref.example.jp", "port 993 after 3", "tries");
        lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= 20);
    }

    [Fact]
    public void Wrap_BreaksJapaneseBetweenCharactersButKeepsPunctuationWithItsWord()
    {
        var lines = DisplayWidth.Wrap("接続できません。サーバーを確認してください", 16);

        lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= 16);
        string.Concat(lines).Should().Be("接続できません。サーバーを確認してください");
        lines.Should().NotContain(l => l.StartsWith('。'), "a line never starts with closing punctuation");
    }

    [Fact]
    public void Wrap_AWordWiderThanTheLine_StaysWholeOnItsOwnLine()
    {
        var lines = DisplayWidth.Wrap("user tanaka.ichiro@pref.example.jp failed", 12);

        lines.Should().Equal("user", "tanaka.ichiro@pref.example.jp", "failed");
    }

    [Fact]
    public void Wrap_ContinuationLinesAreIndented()
    {
        DisplayWidth.Wrap("one two three four", 10, indent: 2).Should().Equal("one two", "  three", "  four");
    }
}

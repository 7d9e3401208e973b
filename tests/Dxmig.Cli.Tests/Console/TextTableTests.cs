using System.Text.RegularExpressions;
using Dxmig.Cli.Console;

namespace Dxmig.Cli.Tests;

public sealed class TextTableTests
{
    private static TextTable Accounts()
    {
        var table = new TextTable("計画 / plan")
            .Column("アカウント / account", CellKind.Name)
            .Column("フォルダ / folders", CellKind.Number, 4)
            .Column("件数 / items", CellKind.Number, 2)
            .Column("容量 / size", CellKind.Number, 3)
            .Column("所要時間 / time", CellKind.Number, 1)
            .Column("1 回の窓で終わる / fits one window", CellKind.Text)
            .Column("読み方 / read by", CellKind.Text, 5);
        table.Row("takahashi.ichiro@pref.example.jp", "12", "48,211", "3.2 GB", "1:02:11", "はい / yes", "STATUS SIZE");
        table.Row("髙橋一郎", "3", "9", "1.0 MB", "00:01", new TextCell("いいえ / no", "yellow"), "FETCH RFC822.SIZE");
        return table;
    }

    private static List<string> Lines(TextTable table, int? width) => [.. table.Render(width).Select(StyledLine.Plain)];

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(160)]
    public void Render_Terminal_FitsTheWidthWithNamesAndHeaderWordsWhole(int width)
    {
        var lines = Lines(Accounts(), width);

        lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= width, string.Join('\n', lines));
        lines.Should().OnlyContain(l => l == l.TrimEnd(), "no trailing spaces");
        lines.Should().Contain(l => l.StartsWith("takahashi.ichiro@pref.example.jp ", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("髙橋一郎 ", StringComparison.Ordinal));
        var text = string.Join('\n', lines);
        foreach (var word in new[] { "アカウント", "account", "回の窓で終わる", "fits", "window" })
        {
            text.Should().Contain(word, "header words are never cut");
        }
    }

    [Fact]
    public void Render_Terminal_Narrow_LeavesOutTheLeastImportantColumnsAndSaysWhich()
    {
        var lines = Lines(Accounts(), 80);

        var text = Regex.Replace(string.Join(' ', lines), " +", " ");
        text.Should().Contain("columns left out to fit the screen:").And.Contain("読み方 / read by").And.NotContain("RFC822");
        text.Should().Contain("1:02:11", "the time an account takes is kept longest");
        Lines(Accounts(), 200).Should().NotContain(l => l.Contains("left out", StringComparison.Ordinal), "a wide terminal shows every column");
    }

    [Fact]
    public void Render_Terminal_AlignsColumnsByDisplayWidth()
    {
        var lines = Lines(Accounts(), 200);

        var rows = lines.Where(l => l.StartsWith("takahashi", StringComparison.Ordinal) || l.StartsWith("髙橋", StringComparison.Ordinal)).ToList();
        rows.Should().HaveCount(2);
        // The sizes are right-aligned: they end in the same terminal column although 髙橋一郎 has wide characters.
        int EndOf(string row, string value) => DisplayWidth.Of(row[..(row.IndexOf(value, StringComparison.Ordinal) + value.Length)]);
        EndOf(rows[0], "3.2 GB").Should().Be(EndOf(rows[1], "1.0 MB"));
    }

    [Fact]
    public void Render_Terminal_WrapsALongTextCellAtWords()
    {
        var table = new TextTable().Column("アカウント / account", CellKind.Name).Column("理由 / reason", CellKind.Text);
        table.Row("tanaka", "the message is larger than the target allows (36 MB over the 35 MB limit)");

        var lines = Lines(table, 40);

        lines.Should().OnlyContain(l => DisplayWidth.Of(l) <= 40);
        lines.Should().Contain(l => l.StartsWith("tanaka ", StringComparison.Ordinal));
        string.Join(' ', lines.SkipWhile(l => !l.StartsWith('─')).Skip(1).Select(l => l.Trim()).Select(l => l.StartsWith("tanaka", StringComparison.Ordinal) ? l[6..].Trim() : l))
            .Should().Be("the message is larger than the target allows (36 MB over the 35 MB limit)");
    }

    [Fact]
    public void Render_Piped_OneRecordPerLineTabSeparatedWithoutPadding()
    {
        var table = Accounts();
        table.Row("suzuki", "1", "2", "3 B", "00:01", "", "multi\nline\treason");

        var lines = Lines(table, null);

        lines.Should().Equal(
            "計画 / plan",
            "アカウント / account\tフォルダ / folders\t件数 / items\t容量 / size\t所要時間 / time\t1 回の窓で終わる / fits one window\t読み方 / read by",
            "takahashi.ichiro@pref.example.jp\t12\t48,211\t3.2 GB\t1:02:11\tはい / yes\tSTATUS SIZE",
            "髙橋一郎\t3\t9\t1.0 MB\t00:01\tいいえ / no\tFETCH RFC822.SIZE",
            "suzuki\t1\t2\t3 B\t00:01\t-\tmulti line reason");
        lines.Should().OnlyContain(l => !Regex.IsMatch(l, @"\s$"));
    }
}

using Dxmig.Contracts;

namespace Dxmig.Contracts.Tests;

/// <summary>
/// YAML mistakes in a job or mapping file (<see cref="YamlFile.Load"/>): said plainly in both languages, at the line
/// and column where the person must look, never the parser's English alone.
/// </summary>
public sealed class YamlProblemTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("dxmig-yaml-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Load(string text)
    {
        var path = Path.Combine(folder, "job.yaml");
        File.WriteAllText(path, text);
        var diagnostics = new DiagnosticBag();
        YamlFile.Load(path, "jobs/job.yaml", diagnostics).Should().BeNull();
        return diagnostics.Items.Should().ContainSingle().Which.ToString();
    }

    [Fact]
    public void Load_TabIndentingAKey_IsReportedAtTheTab()
    {
        // The parser notices it on line 3 (at the value before it), while the tab is on line 4.
        var message = Load("name: wave1\nsource:\n  host: imap.example.jp\n\tport: 993\n");

        message.Should().Be("jobs/job.yaml:4:1: エラー: タブ文字は使えません。空白で字下げしてください / error: tabs cannot indent YAML: indent with spaces");
    }

    [Fact]
    public void Load_TabAfterSpaces_IsReportedAtItsColumn()
    {
        Load("name: wave1\nsource:\n  host: a\n  \tport: 993\n").Should().StartWith("jobs/job.yaml:4:3: エラー: タブ文字は使えません");
    }

    [Fact]
    public void Load_KeyIndentedLessThanItsSiblings_SaysTheIndentationDoesNotMatch()
    {
        var message = Load("name: wave1\nsource:\n  host: imap.example.jp\n port: 993\n");

        message.Should().Be(
            "jobs/job.yaml:4:2: エラー: 字下げ (インデント) が前の行と合っていません。同じ階層のキーは同じ位置から書いてください / " +
            "error: indentation does not match the lines before: keys at the same level start in the same column");
        message.Should().NotContain("did not find expected key");
    }

    [Fact]
    public void Load_KeyIndentedDeeperUnderAValue_SaysSoPlainly()
    {
        var message = Load("name: wave1\n  kind: mail\n");

        message.Should().StartWith("jobs/job.yaml:2:").And.Contain("字下げが深すぎないか").And.Contain("not indented too deep").And.NotContain("invalid mapping");
    }

    [Fact]
    public void Load_DuplicateKey_NamesTheKeyAndBothLines()
    {
        var message = Load("name: wave1\nsource:\n  host: a\n  port: 993\n  # the second server\n  host: b\ntarget: {}\n");

        message.Should().Be(
            "jobs/job.yaml:6:3: エラー: キー 'host' が 2 回書かれています (3 行目と 6 行目)。どちらかを消してください / error: key 'host' is written twice (lines 3 and 6): remove one");
    }

    [Fact]
    public void Load_DuplicateTopLevelKey_NamesBothLines()
    {
        Load("name: a\nkind: mail\nname: b\n").Should().Contain("key 'name' is written twice (lines 1 and 3)");
    }

    [Fact]
    public void Load_UnclosedQuote_SaysSo()
    {
        Load("name: 'wave1\nkind: mail\n").Should().Be("jobs/job.yaml:1:7: エラー: 引用符 (' または \") が閉じていません / error: a quote (' or \") is not closed");
    }

    [Fact]
    public void Load_UnclosedBracket_PointsAtTheBracketInsteadOfFailing()
    {
        // The parser itself fails here without a position (InvalidOperationException).
        Load("name: wave1\naccounts: [tanaka, suzuki\nkind: mail\n")
            .Should().Be("jobs/job.yaml:2:11: エラー: 括弧 [ ] または { } が閉じていません / error: a bracket [ ] or { } is not closed");
    }
}

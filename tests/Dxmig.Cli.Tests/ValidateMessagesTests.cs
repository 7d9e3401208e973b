using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig validate</c> explains cron and YAML mistakes of job and mapping files plainly, at file:line:column.</summary>
public sealed class ValidateMessagesTests : IDisposable
{
    private readonly CliHarness cli = new();

    public ValidateMessagesTests() => cli.Samples(accounts: 1);

    public void Dispose() => cli.Dispose();

    private static int LineOf(string file, string text) => Array.FindIndex(File.ReadAllLines(file), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    [Fact]
    public async Task Validate_UnixCron_SaysHowToWriteItWithoutCSharpAdvice()
    {
        var job = cli.JobFile(extra: "schedule:\n  cron: \"30 1 * * *\"");

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain($"addressbook.yaml:{LineOf(job, "cron:")}:9: エラー: cron 式 '30 1 * * *' が不正です: cron は 6 項目 (秒 分 時 日 月 曜日) で書きます。'0 30 1 * * ?' のように先頭に秒を足してください");
        error.Should().Contain("add the seconds first, as in '0 30 1 * * ?'");
        error.Should().NotContain("CronExpression").And.NotContain("CronFormat").And.NotContain("Quartz");
    }

    [Fact]
    public async Task Validate_TabInTheJobFile_IsReportedAtTheTabsLine()
    {
        var job = cli.JobFile();
        File.WriteAllText(job, File.ReadAllText(job).Replace("  encoding: auto", "\tencoding: auto", StringComparison.Ordinal));

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain($"addressbook.yaml:{LineOf(job, "\tencoding")}:1: エラー: タブ文字は使えません。空白で字下げしてください / error: tabs cannot indent YAML: indent with spaces");
        error.Should().NotContain("While scanning");
    }

    [Fact]
    public async Task Validate_DuplicateKeyInAMappingFile_NamesTheKeyAndBothLines()
    {
        var fields = cli.Write("mappings/fields.yaml", File.ReadAllText(Path.Combine(RepoPaths.Mappings, "activemail-addressbook-fields.yaml")) + "  kana: { columns: [かな] }\n");
        var job = cli.JobFile();
        File.WriteAllText(job, string.Join('\n', File.ReadAllLines(job).Select(l => l.StartsWith("  fields:", StringComparison.Ordinal) ? "  fields: ../mappings/fields.yaml" : l)));
        var first = LineOf(fields, "  kana:");
        var second = File.ReadAllLines(fields).Length;

        var (code, _, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain($"fields.yaml:{second}:3: エラー: キー 'kana' が 2 回書かれています ({first} 行目と {second} 行目)。どちらかを消してください / error: key 'kana' is written twice (lines {first} and {second}): remove one");
    }
}

using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>Command-line mistakes: plain words in both languages, exit code 2, never the parser's .NET type names.</summary>
public sealed class UsageErrorsTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Calendar_YearNotANumber_SaysSoInBothLanguagesAndExits2()
    {
        var (code, output, error) = await cli.RunAsync("calendar", "abc");

        code.Should().Be(ExitCodes.Usage).And.Be(2);
        output.Should().BeEmpty();
        error.Should().Contain("エラー: 年は数字で指定してください (例: 2027、値: 'abc') / error: the year must be a number (e.g. 2027; got 'abc')");
        error.Should().NotContain("System.Int32").And.NotContain("Cannot parse");
    }

    [Fact]
    public async Task UnknownCommand_SuggestsTheClosestAndListsTheCommands()
    {
        var (code, _, error) = await cli.RunAsync("statsu", "jobs/mail.yaml");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("'statsu' というコマンドはありません。もしかして 'status' ですか?").And.Contain("there is no command 'statsu'; did you mean 'status'?");
        error.Should().Contain("コマンド / commands: validate, run, status, reconcile, calendar, plan, doctor, serve");
        error.Should().NotContain("Unrecognized").And.NotContain("Required command");
    }

    [Fact]
    public async Task UnknownCommand_FarFromAnyName_ListsTheCommandsWithoutAGuess()
    {
        var (code, _, error) = await cli.RunAsync("migrate-everything");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("there is no command 'migrate-everything'").And.NotContain("did you mean").And.Contain("commands: validate, run");
    }

    [Fact]
    public async Task Run_WithoutAJob_SaysWhatIsMissing()
    {
        var (code, _, error) = await cli.RunAsync("run");

        code.Should().Be(ExitCodes.Usage);
        error.Should().Contain("dxmig run には <job> (ジョブファイル) を指定してください").And.Contain("dxmig run needs <job> (job file) (usage: dxmig run <job> [options])");
    }

    [Fact]
    public async Task Options_UnknownOrNotANumber_AreSaidPlainly()
    {
        var unknown = await cli.RunAsync("plan", "job.yaml", "--node", "2");
        var notNumber = await cli.RunAsync("plan", "job.yaml", "--nodes", "two");
        var noValue = await cli.RunAsync("calendar", "--config");

        unknown.ExitCode.Should().Be(ExitCodes.Usage);
        unknown.Error.Should().Contain("dxmig plan has no option '--node'; did you mean '--nodes'?");
        notNumber.ExitCode.Should().Be(ExitCodes.Usage);
        notNumber.Error.Should().Contain("--nodes は数字で指定してください (値: 'two') / error: --nodes must be a number (got 'two')");
        noValue.ExitCode.Should().Be(ExitCodes.Usage);
        noValue.Error.Should().Contain("--config には値が必要です (閉庁日の設定ファイル) / error: --config needs a value (closed-days file)");
        (unknown.Error + notNumber.Error + noValue.Error).Should().NotContain("System.").And.NotContain("Unrecognized");
    }

    [Fact]
    public async Task Help_ShowsOptionalArgumentsAsOptional_AndTheExitCodes()
    {
        var (code, output, _) = await cli.RunAsync("--help");

        code.Should().Be(ExitCodes.Success);
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines.Should().Contain(l => l.StartsWith("  status [<job>]  ", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("  calendar [<year>]  ", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("  run <job>  ", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("  validate <job>...  ", StringComparison.Ordinal));
        output.Should().NotContain("status <job>").And.NotContain("calendar <year>");
        output.Should().Contain("終了コード / Exit codes:").And.Contain("  0  成功").And.Contain("  2  失敗").And.Contain("needs attention");
        output.Should().Contain("使い方と終了コードを表示します / show how to use it and the exit codes").And.NotContain("Show help and usage information");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("status")]
    [InlineData("calendar")]
    [InlineData("validate")]
    public async Task CommandHelp_ListsTheExitCodes(string command)
    {
        var (code, output, _) = await cli.RunAsync(command, "--help");

        code.Should().Be(ExitCodes.Success);
        output.Should().Contain("終了コード / Exit codes:")
            .And.Contain("1  要確認").And.Contain("needs attention: finished, with quarantined items or warnings")
            .And.Contain("2  失敗").And.Contain("or the command line is wrong");
    }
}

using Dxmig.TestSupport.Jobs;
using System.Text.RegularExpressions;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

public sealed partial class CalendarCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public CalendarCommandTests() => cli.Environment["DXMIG_REPO"] = cli.Folder; // no mappings/closed-days.yaml there

    public void Dispose() => cli.Dispose();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \S+$")]
    private static partial Regex LinePattern();

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Calendar_Year_ListsEveryClosedDayWithItsReason()
    {
        var (code, output, error) = await cli.RunAsync("calendar", "2026");

        code.Should().Be(ExitCodes.Success, error);
        var lines = Lines(output);
        lines.Should().OnlyContain(l => LinePattern().IsMatch(l));
        lines.Should().StartWith(["2026-01-01 元日", "2026-01-02 年末年始", "2026-01-03 年末年始", "2026-01-04 日曜", "2026-01-10 土曜"]);
        lines.Should().ContainInConsecutiveOrder("2026-09-19 土曜", "2026-09-20 日曜", "2026-09-21 敬老の日", "2026-09-22 休日", "2026-09-23 秋分の日", "2026-09-26 土曜");
        lines.Should().EndWith(["2026-12-27 日曜", "2026-12-29 年末年始", "2026-12-30 年末年始", "2026-12-31 年末年始"]);
        lines.Should().HaveCount(104 + 21, "104 weekend days, and 21 weekdays that are holidays, 休日 or 年末年始");
        lines.Should().Contain(["2026-01-03 年末年始", "2026-05-03 憲法記念日"], "a Saturday in 年末年始 and a holiday on Sunday keep the first reason");
        error.Should().Contain("閉庁日 125 日 / 125 closed days");
    }

    [Fact]
    public async Task Calendar_Config_AddsClosedDaysAndOpensOthers()
    {
        var config = cli.Write("closed-days.yaml", """
            closed:
              - { date: 2026-06-15, reason: 県民の日 }
            open:
              - 2026-12-29
            """);

        var (code, output, error) = await cli.RunAsync("calendar", "2026", "--config", config);

        code.Should().Be(ExitCodes.Success, error);
        Lines(output).Should().Contain("2026-06-15 県民の日").And.NotContain(l => l.StartsWith("2026-12-29", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Calendar_NoYear_IsThisYearInTokyo()
    {
        cli.Time = new FixedClock(new DateTimeOffset(2027, 12, 31, 16, 0, 0, TimeSpan.Zero)); // 2028-01-01 01:00 in Tokyo

        var (code, output, _) = await cli.RunAsync("calendar");

        code.Should().Be(ExitCodes.Success);
        Lines(output)[0].Should().Be("2028-01-01 元日");
    }

    [Fact]
    public async Task Calendar_BadConfig_ReportsFileAndLineAndExits2()
    {
        var config = cli.Write("closed-days.yaml", "closed:\n  - { date: 2026-02-30, reason: x }\n");

        var (code, output, error) = await cli.RunAsync("calendar", "2026", "--config", config);

        code.Should().Be(ExitCodes.Failed);
        output.Should().BeEmpty();
        error.Should().Contain("closed-days.yaml:2:13: エラー: 日付 '2026-02-30' は YYYY-MM-DD で書いてください / error: date '2026-02-30' must be written YYYY-MM-DD");
    }

    [Fact]
    public async Task Calendar_WithoutAnyClosedDaysFile_WarnsWhereItLooked()
    {
        cli.Environment["DXMIG_HOME"] = Path.Combine(cli.Folder, "home");

        var (code, _, error) = await cli.RunAsync("calendar", "2026");

        code.Should().Be(ExitCodes.Success);
        error.Should().Contain("警告: 閉庁日の設定ファイルが見つかりません (探した場所: ")
            .And.Contain(Path.Combine(cli.Folder, "home", "mappings", "closed-days.yaml"))
            .And.Contain("configured closed and open days are not applied");
    }

    [Fact]
    public async Task Calendar_FindsClosedDaysInDxmigHome()
    {
        cli.Environment["DXMIG_HOME"] = Path.Combine(cli.Folder, "home");
        cli.Write("home/mappings/closed-days.yaml", "closed:\n  - { date: 2026-06-15, reason: 県民の日 }\n");

        var (code, output, error) = await cli.RunAsync("calendar", "2026");

        code.Should().Be(ExitCodes.Success, error);
        Lines(output).Should().Contain("2026-06-15 県民の日");
        error.Should().NotContain("見つかりません");
    }

    [Fact]
    public void Serve_FindsClosedDaysBesideItsJobsFolder_AsAnInstallLaysThemOut()
    {
        // /opt/dxmig/jobs and /opt/dxmig/mappings, the service's working folder elsewhere.
        var jobs = Path.Combine(cli.Folder, "opt", "dxmig", "jobs");
        Directory.CreateDirectory(jobs);
        cli.Write("opt/dxmig/mappings/closed-days.yaml", "closed:\n  - { date: 2026-06-15, reason: 県民の日 }\nopen:\n  - 2026-12-29\n");
        var error = new StringWriter();
        var io = new Dxmig.Cli.Console.CliIo(new StringWriter(), error, interactive: false, cli.Workspace.Variable, TimeProvider.System);

        var days = Dxmig.Cli.Serve.ServeCommand.DefaultClosedDays(io, jobs, warnWhenMissing: true);
        var without = Dxmig.Cli.Serve.ServeCommand.DefaultClosedDays(io, Path.Combine(cli.Folder, "elsewhere", "jobs"), warnWhenMissing: true);

        days.IsClosed(new DateOnly(2026, 6, 15), out var reason).Should().BeTrue();
        reason.Should().Be("県民の日");
        days.IsClosed(new DateOnly(2026, 12, 29), out _).Should().BeFalse("the configured open day is kept");
        without.IsClosed(new DateOnly(2026, 6, 15), out _).Should().BeFalse();
        error.ToString().Should().Contain("閉庁日の設定ファイルが見つかりません").And.Contain(Path.Combine(cli.Folder, "elsewhere", "jobs", "mappings", "closed-days.yaml"));
    }
}

using Dxmig.Cli.Console;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Cli.Tests.Serve;

public sealed class ScheduleStatusTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Status_ShowsWhatRunsNowAndTheNextRunWithSkippedDaysAndTheirReasons()
    {
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: "schedule:\n  cron: \"0 0 20 * * ?\"\n  calendar: working-days\n  window: \"20:00-07:00\"");
        // Now is whatever the real clock says: the run is the operator's, outside the job's window.
        (await cli.RunAsync("run", job, "--ignore-window")).ExitCode.Should().BeOneOf(0, 1);
        var output = new StringWriter();
        // Friday 2026-11-27 21:00 in Tokyo: the weekend's fires are skipped, Monday 20:00 runs.
        var io = new CliIo(output, new StringWriter(), interactive: false, _ => null, new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 21, 0, 0, TimeSpan.FromHours(9))));

        var code = await CliApp.RunAsync(["status", job], io, () => CancellationToken.None);

        code.Should().Be(0);
        output.ToString().Should().Contain(
            "実行中: なし / running now: none\n" +
            "次の予定 / scheduled next:\n" +
            "  test-addressbook: 2026-11-30 (月) 20:00 Asia/Tokyo (cron \"0 0 20 * * ?\")\n" +
            "    スキップ / skipped 2026-11-28 (土) 20:00: 2026-11-28 は閉庁日 (土曜) / 2026-11-28 is a closed day (土曜); this job runs on working days\n" +
            "    スキップ / skipped 2026-11-29 (日) 20:00: 2026-11-29 は閉庁日 (日曜) / 2026-11-29 is a closed day (日曜); this job runs on working days\n");
    }
}

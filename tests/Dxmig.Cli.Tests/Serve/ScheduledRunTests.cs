using Dxmig.Cli.Serve;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Cli.Tests.Serve;

public sealed class ScheduledRunTests : IDisposable
{
    private readonly CliHarness cli = new();
    private readonly RecordingRunner runner = new();
    private readonly ListLogger log = new();

    public void Dispose() => cli.Dispose();

    private static DateTimeOffset Tokyo(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(9));

    private (ScheduledRun Run, string Job) Arrange(DateTimeOffset now, string schedule)
    {
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: schedule);
        var settings = new ServeSettings
        {
            JobsDirectory = Path.GetDirectoryName(job)!,
            Store = StoreLocation.Parse(Path.Combine(cli.Folder, "scheduler.db"), "/"),
            Node = "test",
            Environment = name => cli.Environment.TryGetValue(name, out var v) ? v : null,
            Time = new FakeTimeProvider(now),
            ClosedDays = new WeekendsAndYearEnd(),
            Runner = runner,
        };
        return (new ScheduledRun(settings, new ClusterParticipation(settings, log.Factory().CreateLogger<ClusterParticipation>()), log.Factory().CreateLogger<ScheduledRun>()), job);
    }

    [Fact]
    public async Task Fire_OutsideTheNightWindow_DoesNotStartTheRunAndLogsWhy()
    {
        var (run, job) = Arrange(Tokyo(11, 26, 9, 0), "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"");

        var result = await run.FireAsync(job, recovering: false, CancellationToken.None);

        result.Outcome.Should().Be(FireOutcome.OutsideWindow);
        runner.Calls.Should().BeEmpty();
        log.Lines.Should().Equal(
            "Information: test-addressbook: 実行時間帯の外のため開始しません / not started: " +
            "2026-11-26 09:00 は実行時間帯 20:00-07:00 Asia/Tokyo の外です / 2026-11-26 09:00 is outside the run window 20:00-07:00 Asia/Tokyo; " +
            "次に開く時刻 / the window next opens 2026-11-26 20:00 +09:00");
    }

    [Fact]
    public async Task Fire_OnASaturdayForAWorkingDaysJob_IsSkippedWithTheCalendarsReason()
    {
        var (run, job) = Arrange(Tokyo(11, 28, 20, 0), "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"");

        var result = await run.FireAsync(job, recovering: false, CancellationToken.None);

        result.Outcome.Should().Be(FireOutcome.OutsideWindow);
        result.Reason.Should().Be("2026-11-28 は閉庁日 (土曜) / 2026-11-28 is a closed day (土曜); this job runs on working days");
        runner.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task Fire_InsideTheWindow_RunsTheJobWithTheQuartzToken()
    {
        var (run, job) = Arrange(Tokyo(11, 27, 2, 30), "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"");
        using var stop = new CancellationTokenSource();

        var result = await run.FireAsync(job, recovering: true, stop.Token);

        result.Should().Be(new FireResult(FireOutcome.Ran, 0, null));
        runner.Calls.Should().ContainSingle().Which.Should().Be((job, stop.Token), "Thursday night's window runs until Friday 07:00");
        log.Lines.Should().Contain(l => l.Contains("test-addressbook: 実行を開始します / starting (recovery)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fire_WhileAnotherProcessHoldsTheLease_IsBusyNotAnError()
    {
        var (run, job) = Arrange(Tokyo(11, 27, 2, 30), "schedule:\n  cron: \"0 0 * * * ?\"");
        runner.Busy = true;

        var result = await run.FireAsync(job, recovering: false, CancellationToken.None);

        result.Outcome.Should().Be(FireOutcome.Busy);
        log.Lines.Should().ContainSingle(l => l.StartsWith("Warning: test-addressbook: 他のプロセスが実行中のため開始しません", StringComparison.Ordinal));
    }
}

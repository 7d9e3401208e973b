using Dxmig.Cli.Serve;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Dxmig.Cli.Tests.Serve;

public sealed class ServeHostTests : IDisposable
{
    private readonly CliHarness cli = new();
    private readonly RecordingRunner runner = new();
    private readonly ListLogger log = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Serve_ReloadsChangedJobFiles_KeepsTheOldScheduleForABrokenOne_AndRemovesADeletedOne()
    {
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: "schedule:\n  cron: \"* * * * * ?\"");
        var settings = Settings(job, debounce: TimeSpan.FromMilliseconds(200));
        using var loggers = log.Factory();
        using var host = await ServeHost.BuildAsync(settings, loggers, CancellationToken.None);
        await host.StartAsync();
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var key = new TriggerKey("test-addressbook", DxmigQuartzJob.Group);

        await Until(() => !runner.Calls.IsEmpty, "the every-second job never ran");
        runner.Calls.First().Path.Should().Be(Path.GetFullPath(job));
        var detail = await scheduler.GetJobDetail(new JobKey("test-addressbook", DxmigQuartzJob.Group));
        detail!.RequestsRecovery.Should().BeTrue();
        detail.ConcurrentExecutionDisallowed.Should().BeTrue();

        // Broken: every diagnostic is logged and the job keeps its old schedule.
        var good = await File.ReadAllTextAsync(job);
        await File.WriteAllTextAsync(job, good.Replace("kind: addressbook", "kind: addressbok", StringComparison.Ordinal));
        await Until(() => log.Lines.Any(l => l.Contains("its previous schedule is kept", StringComparison.Ordinal)), "the broken file was not reported");
        log.Lines.Should().Contain(l => l.StartsWith("Error: ", StringComparison.Ordinal) && l.Contains("addressbook.yaml:2", StringComparison.Ordinal)
            && l.Contains("unknown job kind 'addressbok'", StringComparison.Ordinal));
        // The trigger keeps firing; each fire re-reads the file and refuses to run a half-edited job.
        await Until(() => log.Lines.Any(l => l.Contains("not run: the job file has errors", StringComparison.Ordinal)), "the old schedule stopped firing");
        ((ICronTrigger)(await scheduler.GetTrigger(key))!).CronExpressionString.Should().Be("* * * * * ?");

        // Fixed with a new cron: the trigger is replaced.
        await File.WriteAllTextAsync(job, good.Replace("* * * * * ?", "0 0 3 * * ?", StringComparison.Ordinal));
        await Until(async () => (await scheduler.GetTrigger(key)) is ICronTrigger { CronExpressionString: "0 0 3 * * ?" }, "the new cron was not applied");
        ((ICronTrigger)(await scheduler.GetTrigger(key))!).TimeZone.Id.Should().Be("Asia/Tokyo");

        // Deleted: the job leaves the schedule.
        File.Delete(job);
        await Until(async () => !await scheduler.Exists(new JobKey("test-addressbook", DxmigQuartzJob.Group)), "the deleted job is still scheduled");

        await host.StopAsync();
    }

    [Fact]
    public async Task Serve_SchedulesTheDailySummaryMail_AndTheSummaryListsTheDaysRuns()
    {
        await using var sink = Dxmig.TestSupport.SmtpSink.Start();
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: $"""
            alerts:
              smtp-host: 127.0.0.1
              smtp-port: {sink.Port}
              security: none
              from: dxmig@pref.example.jp
              to: [admin@pref.example.jp]
              daily-summary: "08:15"
            """);
        (await cli.RunAsync("run", job)).ExitCode.Should().Be(Platform.Pipeline.ExitCodes.Quarantined, "the samples' planted bad rows");
        var settings = Settings(job);
        using var loggers = log.Factory();
        using var host = await ServeHost.BuildAsync(settings, loggers, CancellationToken.None);
        await host.StartAsync();
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await Until(async () => await scheduler.GetTrigger(new TriggerKey("test-addressbook", DailySummaryJob.Group)) is ICronTrigger, "no daily summary trigger");
        var trigger = (ICronTrigger)(await scheduler.GetTrigger(new TriggerKey("test-addressbook", DailySummaryJob.Group)))!;
        trigger.CronExpressionString.Should().Be("0 15 8 * * ?");
        trigger.TimeZone.Id.Should().Be("Asia/Tokyo");
        await host.StopAsync();

        (await DailySummaryJob.SendAsync(job, settings.Environment, TimeProvider.System, log.Factory().CreateLogger("t"), CancellationToken.None)).Should().BeTrue();

        var (recipients, data) = sink.Messages.Should().ContainSingle().Subject;
        recipients.Should().Equal("admin@pref.example.jp");
        var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(data)));
        message.Subject.Should().Contain("日次報告").And.Contain("1 runs");
        message.TextBody.Should().Contain("隔離あり / quarantined").And.Contain("隔離 quarantined 4").And.NotContain("CompletedWithQuarantine");
    }

    [Fact]
    public async Task Serve_EnforcesRetentionDaily_OverEveryJobFile_AndPrunesOldRunsAndLogs()
    {
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: "retention:\n  runs-days: 30\n  keep-runs: 1\n  logs-days: 30\n");
        (await cli.RunAsync("run", job)).ExitCode.Should().Be(Platform.Pipeline.ExitCodes.Quarantined, "the samples' planted bad rows");
        (await cli.RunAsync("run", job)).ExitCode.Should().Be(Platform.Pipeline.ExitCodes.Quarantined);
        (await cli.RunAsync("run", job)).ExitCode.Should().Be(Platform.Pipeline.ExitCodes.Quarantined);
        cli.Write("jobs/broken.yaml", "name: broken\nkind: nothing\n");
        var settings = Settings(job);
        using var loggers = log.Factory();
        using var host = await ServeHost.BuildAsync(settings, loggers, CancellationToken.None);
        await host.StartAsync();
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await Until(async () => await scheduler.GetTrigger(new TriggerKey(RetentionJob.Name, RetentionJob.Group)) is ICronTrigger, "no daily retention trigger");
        var trigger = (ICronTrigger)(await scheduler.GetTrigger(new TriggerKey(RetentionJob.Name, RetentionJob.Group)))!;
        (trigger.CronExpressionString, trigger.TimeZone.Id).Should().Be(("0 30 5 * * ?", "Asia/Tokyo"));
        await host.StopAsync();

        // Forty days later every run is older than 30 days: the first (the job's own record) and the newest (keep-runs 1)
        // stay, the one between goes, and so do the run logs.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(40));
        var done = await RetentionJob.EnforceAllAsync(settings.JobsDirectory, settings.Environment, later, log.Factory().CreateLogger("t"), CancellationToken.None);

        done.Should().Be(1, "the broken job file is passed over");
        var (_, status, _) = await cli.RunAsync("status", job);
        status.Should().Contain("最後の整理 / last enforced").And.Contain("retention: removed 1 run(s)");
        Directory.GetFiles(Path.Combine(cli.Folder, "logs", "test-addressbook"), "*.jsonl").Should().BeEmpty();
    }

    private ServeSettings Settings(string job, TimeSpan? debounce = null) => new()
    {
        Debounce = debounce ?? ServeSettings.DefaultDebounce,
        JobsDirectory = Path.GetDirectoryName(job)!,
        Store = StoreLocation.Parse(Path.Combine(cli.Folder, "home/scheduler.db"), "/"),
        Node = "test",
        Environment = name => cli.Environment.TryGetValue(name, out var v) ? v : null,
        ClosedDays = new WeekendsAndYearEnd(),
        Runner = runner,
    };

    private static Task Until(Func<bool> condition, string failure) => Until(() => Task.FromResult(condition()), failure);

    private static async Task Until(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(50);
        }
    }
}

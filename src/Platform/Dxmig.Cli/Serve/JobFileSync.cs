using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// Keeps the Quartz schedule in step with the job folder: one Quartz job per job file with a <c>schedule:</c>
/// section, read on start and again whenever a file changes (FileSystemWatcher, debounced). A file with errors is
/// reported with every diagnostic and its job keeps the schedule it had; a job whose file is gone, or no longer has a
/// schedule, is removed. A stored trigger is only replaced when its cron, time zone or file changed, so a restart or
/// a second node reading the same folder never reschedules (a known source of duplicate fires after a redeploy).
/// On start, this scheduler's triggers left in ERROR (an unclean stop) are reset to waiting.
/// </summary>
internal sealed class JobFileSync(ISchedulerFactory schedulers, ServeSettings settings, ILogger<JobFileSync> logger) : BackgroundService
{
    private const string FingerprintKey = "fingerprint";
    private readonly SemaphoreSlim changed = new(0);
    private readonly SemaphoreSlim syncing = new(1, 1);

    /// <summary>Completed passes over the folder (tests wait on it).</summary>
    public int Passes { get; private set; }

    public override void Dispose()
    {
        changed.Dispose();
        syncing.Dispose();
        base.Dispose();
    }

    /// <summary>Reads the folder and brings the schedule in step; returns what it scheduled (job name → file).</summary>
    public async Task<IReadOnlyDictionary<string, string>> SyncAsync(CancellationToken cancellationToken)
    {
        await syncing.WaitAsync(cancellationToken);
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var wanted = new Dictionary<string, (JobFile Job, ScheduleGate Gate)>(StringComparer.Ordinal);
            var broken = new HashSet<string>(StringComparer.Ordinal);
            var summaries = new Dictionary<string, JobFile>(StringComparer.Ordinal);
            foreach (var path in JobFiles(settings.JobsDirectory))
            {
                var diagnostics = new DiagnosticBag();
                var job = JobLoader.Load(path, diagnostics, settings.Environment)?.File;
                if (job is null || diagnostics.HasErrors)
                {
                    broken.Add(path);
                    logger.LogError(
                        "ジョブファイルに誤りがあります。以前のスケジュールを維持します / the job file has errors; its previous schedule is kept: {Path}\n{Diagnostics}",
                        path, diagnostics.Render());
                    continue;
                }

                if (job.Alerts?.DailySummary is not null)
                {
                    summaries[job.Name] = job;
                }

                if (job.Schedule is null)
                {
                    continue;
                }

                if (wanted.TryGetValue(job.Name, out var other))
                {
                    logger.LogError(
                        "ジョブ名が重複しています。このファイルはスケジュールしません / job name {Job} is already used by {Other}; not scheduled: {Path}",
                        job.Name, other.Job.FilePath, path);
                    continue;
                }

                wanted[job.Name] = (job, new ScheduleGate(job.Schedule, settings.ClosedDays));
            }

            foreach (var (name, (job, gate)) in wanted)
            {
                await UpsertAsync(scheduler, name, job, gate, cancellationToken);
            }

            var stored = await scheduler.QueryJobs(new JobQuery { Group = GroupMatcher<JobKey>.GroupEquals(DxmigQuartzJob.Group) }, cancellationToken);
            foreach (var key in stored.Items.Select(i => i.Key).Where(k => !wanted.ContainsKey(k.Name)))
            {
                var detail = await scheduler.GetJobDetail(key, cancellationToken);
                var path = detail?.JobDataMap.GetString(DxmigQuartzJob.PathKey);
                if (path is not null && broken.Contains(path))
                {
                    continue;
                }

                await scheduler.DeleteJob(key, cancellationToken);
                logger.LogInformation("{Job}: スケジュールから外しました / removed from the schedule ({Path})", key.Name, path);
            }

            await SyncSummariesAsync(scheduler, summaries, broken, cancellationToken);
            await EnsureRetentionAsync(scheduler, cancellationToken);
            Passes++;
            return wanted.ToDictionary(w => w.Key, w => w.Value.Job.FilePath, StringComparer.Ordinal);
        }
        finally
        {
            syncing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = await schedulers.GetScheduler(stoppingToken);
        var reset = await scheduler.ResetTriggersFromErrorState(GroupMatcher<TriggerKey>.GroupEquals(DxmigQuartzJob.Group), stoppingToken);
        foreach (var key in reset)
        {
            logger.LogWarning("{Trigger}: ERROR 状態のトリガーを待機に戻しました / the trigger was in ERROR (an unclean stop); reset to waiting", key);
        }

        Directory.CreateDirectory(settings.JobsDirectory);
        using var watcher = new FileSystemWatcher(settings.JobsDirectory)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Filters.Add("*.yaml");
        watcher.Filters.Add("*.yml");
        void OnChange(object? sender, EventArgs e) => changed.Release();
        watcher.Changed += OnChange;
        watcher.Created += OnChange;
        watcher.Deleted += OnChange;
        watcher.Renamed += OnChange;
        watcher.EnableRaisingEvents = true;

        await SyncLoggedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await changed.WaitAsync(stoppingToken);
            // Debounce: wait until the folder has been quiet for the whole delay.
            while (await changed.WaitAsync(settings.Debounce, stoppingToken))
            {
            }

            logger.LogInformation("ジョブフォルダーが変わりました。読み直します / the job folder changed; reading it again");
            await SyncLoggedAsync(stoppingToken);
        }
    }

    private async Task SyncLoggedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduled = await SyncAsync(cancellationToken);
            logger.LogInformation("スケジュール済みのジョブ / scheduled jobs: {Jobs}", scheduled.Count == 0 ? "-" : string.Join(", ", scheduled.Keys));
        }
        catch (SchedulerException ex)
        {
            // The store may be briefly unreachable; the next change (or restart) tries again.
            logger.LogError(ex, "スケジュールを更新できませんでした / the schedule could not be updated");
        }
    }

    /// <summary>The daily retention enforcement over the folder's job files (<see cref="RetentionJob"/>), once per store.</summary>
    private async Task EnsureRetentionAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var key = new JobKey(RetentionJob.Name, RetentionJob.Group);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ScheduleSpec.DefaultTimeZone);
        var cron = $"0 {RetentionJob.At.Minute} {RetentionJob.At.Hour} * * ?";
        var fingerprint = $"{settings.JobsDirectory}|{cron}|{zone.Id}";
        if ((await scheduler.GetJobDetail(key, cancellationToken))?.JobDataMap.GetString(FingerprintKey) == fingerprint)
        {
            return;
        }

        var detail = JobBuilder.Create<RetentionJob>().WithIdentity(key).UsingJobData(FingerprintKey, fingerprint).StoreDurably().Build();
        var trigger = TriggerBuilder.Create(settings.Time).WithIdentity(RetentionJob.Name, RetentionJob.Group).ForJob(key)
            .WithCronSchedule(cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .StartAt(settings.Time.GetUtcNow()).Build();
        await scheduler.ScheduleJob(detail, trigger, ScheduleJobOptions.Replacing, cancellationToken);
        logger.LogInformation("保存期間の整理を毎日 {At} ({Zone}) に行います / retention is enforced daily at {At} ({Zone})", RetentionJob.At, zone.Id, RetentionJob.At, zone.Id);
    }

    /// <summary>One daily-summary trigger per job file that asks for one (<c>alerts.daily-summary</c>); stale ones removed.</summary>
    private async Task SyncSummariesAsync(IScheduler scheduler, Dictionary<string, JobFile> summaries, HashSet<string> broken, CancellationToken cancellationToken)
    {
        foreach (var (name, job) in summaries)
        {
            var at = job.Alerts!.DailySummary!.Value;
            var path = Path.GetFullPath(job.FilePath);
            var zone = TimeZoneInfo.FindSystemTimeZoneById(job.Schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone);
            var cron = $"0 {at.Minute} {at.Hour} * * ?";
            var fingerprint = $"{path}|{cron}|{zone.Id}";
            var key = new JobKey(name, DailySummaryJob.Group);
            if ((await scheduler.GetJobDetail(key, cancellationToken))?.JobDataMap.GetString(FingerprintKey) == fingerprint)
            {
                continue;
            }

            var detail = JobBuilder.Create<DailySummaryJob>().WithIdentity(key).UsingJobData(DxmigQuartzJob.PathKey, path)
                .UsingJobData(FingerprintKey, fingerprint).StoreDurably().Build();
            var trigger = TriggerBuilder.Create(settings.Time).WithIdentity(name, DailySummaryJob.Group).ForJob(key)
                .WithCronSchedule(cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
                .StartAt(settings.Time.GetUtcNow()).Build();
            await scheduler.ScheduleJob(detail, trigger, ScheduleJobOptions.Replacing, cancellationToken);
            logger.LogInformation("{Job}: 日次報告メールを毎日 {At} に送ります / daily summary mail at {At} ({Zone})", name, at, at, zone.Id);
        }

        var stored = await scheduler.QueryJobs(new JobQuery { Group = GroupMatcher<JobKey>.GroupEquals(DailySummaryJob.Group) }, cancellationToken);
        foreach (var key in stored.Items.Select(i => i.Key).Where(k => !summaries.ContainsKey(k.Name)))
        {
            var path = (await scheduler.GetJobDetail(key, cancellationToken))?.JobDataMap.GetString(DxmigQuartzJob.PathKey);
            if (path is null || !broken.Contains(path))
            {
                await scheduler.DeleteJob(key, cancellationToken);
            }
        }
    }

    /// <summary>The job files of the folder (<c>*.yaml</c>, <c>*.yml</c>), full paths in order.</summary>
    internal static IEnumerable<string> JobFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.y*ml")
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal)
            : [];

    private async Task UpsertAsync(IScheduler scheduler, string name, JobFile job, ScheduleGate gate, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(job.FilePath);
        var fingerprint = $"{path}|{gate.Cron}|{gate.Zone.Id}";
        var key = new JobKey(name, DxmigQuartzJob.Group);
        var existing = await scheduler.GetJobDetail(key, cancellationToken);
        if (existing is not null && existing.JobDataMap.GetString(FingerprintKey) == fingerprint &&
            await scheduler.GetTriggerState(new TriggerKey(name, DxmigQuartzJob.Group), cancellationToken) != TriggerState.None)
        {
            return;
        }

        var detail = JobBuilder.Create<DxmigQuartzJob>()
            .WithIdentity(key)
            .WithDescription(job.Description ?? path)
            .UsingJobData(DxmigQuartzJob.PathKey, path)
            .UsingJobData(FingerprintKey, fingerprint)
            .RequestRecovery()
            .StoreDurably()
            .Build();
        var trigger = TriggerBuilder.Create(settings.Time)
            .WithIdentity(name, DxmigQuartzJob.Group)
            .ForJob(key)
            .WithCronSchedule(gate.Cron, cron => cron
                .InTimeZone(gate.Zone)
                // Misfire policy: fire once now; the run window is checked at that moment, so a late fire starts only
                // while the window is still open (otherwise it is skipped and logged, and the next regular fire runs).
                .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .StartAt(settings.Time.GetUtcNow())
            .Build();
        await scheduler.ScheduleJob(detail, trigger, ScheduleJobOptions.Replacing, cancellationToken);
        logger.LogInformation(
            "{Job}: スケジュールしました / scheduled: cron \"{Cron}\" {Zone}, {Path}", name, gate.Cron, gate.Zone.Id, path);
    }
}

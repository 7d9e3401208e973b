using Dxmig.Contracts;
using Dxmig.Jobs;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The scheduler's part of <c>dxmig status</c>: what is running now (live ledger leases) and, per scheduled job
/// file, when it runs next with the window and calendar applied — and which fires before that are skipped, and why.
/// </summary>
internal static class ScheduleStatus
{
    public static async Task PrintAsync(CliIo io, JobLedger ledger, string? jobPath, string? jobName, CancellationToken cancellationToken)
    {
        var live = await ledger.LiveLeasesAsync(jobName, cancellationToken);
        io.Line(live.Count == 0
            ? "実行中: なし / running now: none"
            : "実行中 / running now:");
        foreach (var lease in live)
        {
            io.Line($"  {lease.Job}  実行 / run {lease.RunId}  ノード / node {lease.Node} (pid {lease.ProcessId})  最終確認 / heartbeat {Units.Jst(lease.HeartbeatUtc)}");
            if (await ledger.ClusterRunViewAsync(lease.Job, Platform.Pipeline.RunSettings.DefaultLeaseTimeout, cancellationToken) is { } view)
            {
                ClusterStatus.Print(io, view);
            }
        }

        var files = jobPath is not null ? [jobPath] : JobFiles();
        var now = io.Time.GetUtcNow();
        var closedDays = ServeCommand.DefaultClosedDays(io, Path.GetDirectoryName(Path.GetFullPath(files.FirstOrDefault() ?? Path.Combine("jobs", "x.yaml"))));
        var lines = new List<string>();
        foreach (var file in files)
        {
            var diagnostics = new DiagnosticBag();
            if (JobLoader.Load(file, diagnostics, io.Environment, Platform.JobFiles.JobUse.History)?.File is not { Schedule: { } schedule } job)
            {
                continue;
            }

            var gate = new ScheduleGate(schedule, closedDays);
            var plan = gate.Upcoming(now);
            var next = plan.LastOrDefault(p => p.Runs);
            string Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, gate.Zone).ToString("yyyy-MM-dd (ddd) HH:mm", CultureInfo.GetCultureInfo("ja-JP"));
            lines.Add(next is null
                ? $"  {job.Name}: 予定なし / nothing scheduled (cron \"{gate.Cron}\")"
                : $"  {job.Name}: {Local(next.At)} {gate.Zone.Id} (cron \"{gate.Cron}\")");
            foreach (var skipped in plan.Where(p => !p.Runs).DistinctBy(p => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(p.At, gate.Zone).DateTime)).Take(5))
            {
                lines.Add($"    スキップ / skipped {Local(skipped.At)}: {skipped.SkipReason}");
            }
        }

        if (lines.Count > 0)
        {
            io.Line("次の予定 / scheduled next:");
            foreach (var line in lines)
            {
                io.Line(line);
            }
        }
    }

    /// <summary>The job files of <c>./jobs</c> (what <c>dxmig serve</c> reads by default).</summary>
    private static IEnumerable<string> JobFiles()
    {
        var folder = Path.GetFullPath("jobs");
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal)
            : [];
    }
}

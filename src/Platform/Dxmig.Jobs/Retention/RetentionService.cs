using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Retention;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Retention;

/// <summary>What one enforcement of a job's retention removed.</summary>
/// <param name="EnforcedUtc">When it ran.</param>
/// <param name="Ledger">Rows removed from the ledger.</param>
/// <param name="Files">Per-run log files and lists removed.</param>
/// <param name="Reports">Report folders removed.</param>
/// <param name="Bytes">Bytes of files and folders removed.</param>
public sealed record RetentionOutcome(DateTime EnforcedUtc, LedgerPruneResult Ledger, int Files, int Reports, long Bytes)
{
    /// <summary>One line a person reads.</summary>
    public string Describe() =>
        $"保存期間の整理: 実行 {Ledger.Runs} 件、削除済み項目の行 {Ledger.RemovedItems} 件、ログ {Files} 件、報告 {Reports} 件 ({Units(Bytes)}) を削除しました / " +
        $"retention: removed {Ledger.Runs} run(s), {Ledger.RemovedItems} row(s) of removed items, {Files} log file(s) and {Reports} report folder(s) ({Units(Bytes)})";

    public static string Units(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}

/// <summary>What a job keeps now: its ledger rows, its logs and its reports, with the last enforcement.</summary>
/// <param name="Settings">The job's retention.</param>
/// <param name="Ledger">The job's rows in the ledger; null when the ledger does not exist yet.</param>
/// <param name="LogFiles">Per-run files in the job's log folder.</param>
/// <param name="LogBytes">Their bytes.</param>
/// <param name="Reports">Report folders.</param>
/// <param name="ReportBytes">Their bytes.</param>
/// <param name="Last">The last enforcement; null: never.</param>
public sealed record RetentionStatus(
    RetentionSettings Settings, LedgerSize? Ledger, int LogFiles, long LogBytes, int Reports, long ReportBytes, RetentionOutcome? Last);

/// <summary>
/// Keeps a job's leftovers within its <c>retention:</c> settings: ledger run rows and rows of removed items
/// (<see cref="JobLedger.PruneAsync"/>), per-run files in <c>{logs}/{job}</c> (run logs, pending-deletion and conflict
/// lists) and report folders in <c>{logs}/{job}/reports</c>. A file's age is the time in its name (run ids begin with the
/// run's start in UTC), or its last write when the name has none. The newest report always stays. Run after every run
/// that completes and by <c>dxmig serve</c> daily.
/// </summary>
public sealed partial class RetentionService(TimeProvider time)
{
    /// <summary>The file in the job's log folder that records the last enforcement.</summary>
    public const string StateFile = "retention.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Enforces the job's retention now.</summary>
    public async Task<RetentionOutcome> EnforceAsync(JobFile job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var settings = job.Retention;
        var now = time.GetUtcNow().UtcDateTime;
        var pruned = new LedgerPruneResult(0, 0, 0);
        var location = job.LedgerLocation();
        if (location.Provider != StoreProvider.Sqlite || File.Exists(location.Display))
        {
            await using var ledger = await JobLedger.OpenAsync(location, time, cancellationToken);
            pruned = await ledger.PruneAsync(
                job.Name, now.AddDays(-settings.RunsDays), settings.KeepRuns, now.AddDays(-settings.RemovedItemsDays), cancellationToken);
        }

        var folder = Path.Combine(job.LogFolder, job.Name);
        int files = 0, reports = 0;
        long bytes = 0;
        foreach (var file in LogFiles(folder).Where(f => AgeOf(f.Name, f.LastWriteTimeUtc) < now.AddDays(-settings.LogsDays)))
        {
            bytes += file.Length;
            file.Delete();
            files++;
        }

        var folders = ReportFolders(folder).OrderByDescending(d => AgeOf(d.Name, d.LastWriteTimeUtc)).ToList();
        foreach (var report in folders.Skip(1).Where(d => AgeOf(d.Name, d.LastWriteTimeUtc) < now.AddDays(-settings.ReportsDays)))
        {
            bytes += SizeOf(report);
            report.Delete(recursive: true);
            reports++;
        }

        var outcome = new RetentionOutcome(now, pruned, files, reports, bytes);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, StateFile), JsonSerializer.Serialize(outcome, Json), cancellationToken);
        return outcome;
    }

    /// <summary>What the job keeps now.</summary>
    public async Task<RetentionStatus> MeasureAsync(JobFile job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        LedgerSize? size = null;
        var location = job.LedgerLocation();
        if (location.Provider != StoreProvider.Sqlite || File.Exists(location.Display))
        {
            await using var ledger = await JobLedger.OpenAsync(location, time, cancellationToken);
            size = await ledger.SizeAsync(job.Name, cancellationToken);
        }

        var folder = Path.Combine(job.LogFolder, job.Name);
        var logs = LogFiles(folder).ToList();
        var reports = ReportFolders(folder).ToList();
        RetentionOutcome? last = null;
        var state = Path.Combine(folder, StateFile);
        if (File.Exists(state))
        {
            try
            {
                last = JsonSerializer.Deserialize<RetentionOutcome>(await File.ReadAllTextAsync(state, cancellationToken), Json);
            }
            catch (JsonException)
            {
                // A damaged record of the last enforcement only loses that line of the status.
            }
        }

        return new RetentionStatus(job.Retention, size, logs.Count, logs.Sum(f => f.Length), reports.Count, reports.Sum(SizeOf), last);
    }

    /// <summary>The time a file or folder stands for: the UTC time in its name (a run id), else its last write.</summary>
    internal static DateTime AgeOf(string name, DateTime lastWriteUtc)
    {
        var match = StampPattern().Match(name);
        return match.Success && DateTime.TryParseExact(
            match.Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var stamp)
            ? stamp
            : lastWriteUtc;
    }

    private static IEnumerable<FileInfo> LogFiles(string folder) =>
        Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles().Where(f => f.Name != StateFile)
            : [];

    private static IEnumerable<DirectoryInfo> ReportFolders(string folder)
    {
        var reports = Path.Combine(folder, "reports");
        return Directory.Exists(reports) ? new DirectoryInfo(reports).EnumerateDirectories() : [];
    }

    private static long SizeOf(DirectoryInfo folder) =>
        folder.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    [GeneratedRegex(@"\d{8}T\d{6}Z")]
    private static partial Regex StampPattern();
}

using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Console;

/// <summary>Where a run's files are (all under the job's log folder <c>{logs}/{job}</c>).</summary>
/// <param name="JobFolder">The job's log folder.</param>
/// <param name="LogFile">The run's JSON-lines log <c>{logs}/{job}/{runId}.jsonl</c> (it may not exist: a run that logged nothing at its level).</param>
/// <param name="LogExists">The log file exists.</param>
/// <param name="ReportFolder">The after-run reconciliation report <c>{logs}/{job}/reports/{runId}</c> (it may not exist).</param>
/// <param name="ReportHtml">The report's <c>index.html</c> when it exists; else null.</param>
/// <param name="ReportSummary">The report's <c>summary.json</c> when it exists; else null.</param>
/// <param name="PendingDeletions">The run's list of held-back deletions when it exists; else null.</param>
public sealed record RunFiles(
    string JobFolder, string LogFile, bool LogExists, string ReportFolder, string? ReportHtml, string? ReportSummary, string? PendingDeletions);

/// <summary>One run as the console shows it: the run, its accounting per account, and its files.</summary>
public sealed record RunDetail(LedgerRun Run, IReadOnlyList<LedgerRunAccount> Accounts, RunFiles Files);

/// <summary>The end of a run's log, secrets masked.</summary>
/// <param name="Path">The log file.</param>
/// <param name="Text">The last whole lines within the bytes asked for, masked with <see cref="SecretMasker.Apply"/>.</param>
/// <param name="Length">The file's length in bytes when read.</param>
/// <param name="Truncated">The file holds more than <paramref name="Text"/> (earlier lines were left out).</param>
public sealed record LogTail(string Path, string Text, long Length, bool Truncated);

/// <summary>
/// What the operator console reads of a job: one run's detail and files, the tail of its log, and the ledger's items
/// (quarantine search, skips by rule). Paths come only from the job file and a run id of the ledger's own form
/// (<see cref="IsRunId"/>), so no request can name a file outside the job's log folder.
/// </summary>
public sealed partial class ConsoleQueries(TimeProvider time)
{
    /// <summary>The default number of bytes of a log's tail.</summary>
    public const int DefaultTailBytes = 64 * 1024;

    /// <summary>The most bytes of a log's tail read at once.</summary>
    public const int MaxTailBytes = 1024 * 1024;

    /// <summary>True when the text has the form of a ledger run id (<c>yyyyMMddTHHmmssZ-</c> and 8 hex digits) and nothing else.</summary>
    public static bool IsRunId(string? runId) => runId is not null && RunIdPattern().IsMatch(runId);

    /// <summary>Where a run's files are (the paths whether or not the files exist).</summary>
    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a run id (<see cref="IsRunId"/>).</exception>
    public static RunFiles Files(JobFile job, string runId)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!IsRunId(runId))
        {
            throw new ArgumentException("実行 ID の形式ではありません / not a run id", nameof(runId));
        }

        var folder = Path.GetFullPath(Path.Combine(job.LogFolder, job.Name));
        var log = Inside(folder, runId + ".jsonl");
        var report = Inside(folder, Path.Combine("reports", runId));
        var html = Path.Combine(report, ReportWriter.HtmlFile);
        var summary = Path.Combine(report, ReportWriter.SummaryFile);
        var pending = Common.PendingDeletions.PendingPath(folder, runId);
        return new RunFiles(
            folder, log, File.Exists(log), report,
            File.Exists(html) ? html : null,
            File.Exists(summary) ? summary : null,
            File.Exists(pending) ? pending : null);
    }

    /// <summary>A run of the job with its accounting per account and its files; null when the run id is not one or the ledger has no such run of the job.</summary>
    /// <exception cref="StoreSchemaException">The ledger holds another schema version.</exception>
    public async Task<RunDetail?> RunDetailAsync(JobFile job, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!IsRunId(runId))
        {
            return null;
        }

        await using var ledger = await OpenLedgerAsync(job, cancellationToken);
        if (ledger is null || await ledger.FindRunAsync(job.Name, runId, cancellationToken) is not { } run)
        {
            return null;
        }

        var accounts = await ledger.RunAccountsAsync(runId, cancellationToken);
        return new RunDetail(run, accounts, Files(job, runId));
    }

    /// <summary>
    /// The last lines of a run's log, at most <paramref name="maxBytes"/> bytes (clamped to <see cref="MaxTailBytes"/>),
    /// starting at a whole line, secrets masked; null when the run id is not one or the run has no log. The log may be
    /// being written: it is read shared, and a line being written may end the text unfinished.
    /// </summary>
    public static async Task<LogTail?> ReadLogTailAsync(JobFile job, string runId, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!IsRunId(runId))
        {
            return null;
        }

        var path = Files(job, runId).LogFile;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        await using (stream)
        {
            var length = stream.Length;
            var want = (int)Math.Min(length, Math.Clamp(maxBytes, 1, MaxTailBytes));
            var start = length - want;
            stream.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[want];
            var read = 0;
            while (read < want && await stream.ReadAsync(buffer.AsMemory(read, want - read), cancellationToken) is var n and > 0)
            {
                read += n;
            }

            var from = 0;
            if (start > 0)
            {
                // The bytes before the first line break belong to a line cut in two: left out, so the text starts at a whole line.
                var firstBreak = Array.IndexOf(buffer, (byte)'\n', 0, read);
                from = firstBreak >= 0 ? firstBreak + 1 : read;
            }

            var text = Encoding.UTF8.GetString(buffer, from, read - from);
            return new LogTail(path, SecretMasker.Apply(text), length, start + from > 0);
        }
    }

    /// <summary>
    /// <see cref="JobLedger.SearchItemsAsync(string, ItemState, string?, string?, string?, int, int, CancellationToken)"/>
    /// on the job's ledger (an empty page when the job's SQLite ledger does not exist yet).
    /// </summary>
    public async Task<LedgerItemPage> SearchItemsAsync(
        JobFile job, ItemState state, string? runId, string? code, string? text, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var ledger = await OpenLedgerAsync(job, cancellationToken);
        return ledger is null
            ? new LedgerItemPage([], 0, false, Math.Max(0, offset), Math.Clamp(limit, 1, JobLedger.MaxSearchPage))
            : await ledger.SearchItemsAsync(job.Name, state, runId, code, text, offset, limit, cancellationToken);
    }

    /// <summary>The job's skipped items counted by skip rule, of one run (the items it wrote last) or of the whole job.</summary>
    public async Task<IReadOnlyList<LedgerCodeCount>> SkipsByRuleAsync(JobFile job, string? runId, CancellationToken cancellationToken) =>
        await CountByCodeAsync(job, ItemState.Skipped, runId, cancellationToken);

    /// <summary>The job's items of a state counted by code (skip rule, quarantine reason), of one run or of the whole job.</summary>
    public async Task<IReadOnlyList<LedgerCodeCount>> CountByCodeAsync(JobFile job, ItemState state, string? runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var ledger = await OpenLedgerAsync(job, cancellationToken);
        return ledger is null ? [] : await ledger.CountByCodeAsync(job.Name, state, runId, cancellationToken);
    }

    /// <summary>The job's ledger; null when it is a SQLite file not made yet (the console never creates one).</summary>
    private async Task<JobLedger?> OpenLedgerAsync(JobFile job, CancellationToken cancellationToken)
    {
        var location = job.LedgerLocation();
        if (location.Provider == StoreProvider.Sqlite && !File.Exists(location.Display))
        {
            return null;
        }

        return await JobLedger.OpenAsync(location, time, cancellationToken);
    }

    /// <summary>A path under the folder; anything else is refused (a second guard behind <see cref="IsRunId"/>).</summary>
    private static string Inside(string folder, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("ジョブのログフォルダーの外です / outside the job's log folder", nameof(relative));
        }

        return full;
    }

    [GeneratedRegex(@"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}

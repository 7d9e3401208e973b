using System.Text;
using Dxmig.Contracts;
using Dxmig.Extractors.Imap;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Mail;

/// <summary>
/// The mail kind's list of removals held back at the deletion guard: <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c>
/// (the same place and confirmation as the other kinds', <see cref="PendingDeletions"/>) with the columns account,
/// folder, native_id (UIDVALIDITY:UID) and target_key, since a message is only known by all three.
/// </summary>
public static class MailPendingDeletions
{
    private static readonly string[] Header = ["account", "folder", "native_id", "target_key"];

    /// <summary>The guard of a run: the job's thresholds and, with <c>--confirm-deletes</c>, that run's list.</summary>
    /// <exception cref="ConfigurationException">The RUNID has no list.</exception>
    public static MailDeletionGuard Guard(string folder, int maxCount, double maxPercent, string? confirmRunId) => new()
    {
        MaxCount = maxCount,
        MaxPercent = maxPercent,
        Confirmed = confirmRunId is { } runId ? Read(folder, runId) : null,
    };

    /// <summary>After a run: lists the held-back removals and tells the person how to confirm them (run message and log).</summary>
    public static void Report(JobFile job, RunResult result, MailDeletionGuard guard, string folder, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(loggers);
        var pending = guard.Pending;
        if (pending.Count == 0)
        {
            return;
        }

        var path = Write(folder, result.Run.RunId, pending);
        result.Run.Message = (result.Run.Message is { } message ? message + "\n" : string.Empty) +
            $"要確認: 削除を保留した {pending.Count} 件の一覧 {path} を確認し、確定するには dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId} / " +
            $"needs attention: review the {pending.Count} held-back deletions in {path}; to confirm: dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId}";
        loggers.CreateLogger("dxmig.run").LogWarning(
            "要確認 / needs attention: {Count} 件の削除を保留しました / deletions held back: {File}; dxmig run {Job} --confirm-deletes {RunId}",
            pending.Count, path, job.FilePath, result.Run.RunId);
    }

    /// <summary>Writes the list (UTF-8 with BOM, for Excel) and returns its path.</summary>
    public static string Write(string folder, string runId, IReadOnlyList<MailRemoval> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        Directory.CreateDirectory(folder);
        var path = PendingDeletions.PendingPath(folder, runId);
        using var writer = CsvCells.Create(path, Header);
        foreach (var removal in pending.OrderBy(p => p.Account, StringComparer.Ordinal).ThenBy(p => p.Folder, StringComparer.Ordinal).ThenBy(p => p.NativeId, StringComparer.Ordinal))
        {
            writer.Write(CsvCells.Line([removal.Account, removal.Folder, removal.NativeId, removal.TargetKey]));
        }

        return path;
    }

    /// <summary>The confirmed keys (<see cref="MailDeletionGuard.KeyOf"/>) of a run's list.</summary>
    /// <exception cref="ConfigurationException">The run has no list, or the list is not a mail job's.</exception>
    public static HashSet<string> Read(string folder, string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var path = PendingDeletions.PendingPath(folder, runId);
        if (runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || !File.Exists(path))
        {
            throw new ConfigurationException(
                $"実行 {runId} の削除予定一覧 {path} がありません (--confirm-deletes にはしきい値で止まった実行の RUNID を指定します) / " +
                $"run {runId} has no pending-deletions list at {path} (--confirm-deletes takes the RUNID of a run stopped at the threshold)");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (lineNumber == 1 || line.Length == 0)
            {
                continue;
            }

            var cells = Cells(line);
            if (cells.Count < 3)
            {
                throw new ConfigurationException(
                    $"{path}:{lineNumber}: メールの削除予定一覧の行ではありません (account,folder,native_id,target_key) / not a line of a mail pending-deletions list (account,folder,native_id,target_key)");
            }

            keys.Add(MailDeletionGuard.KeyOf(cells[0], cells[1], cells[2]));
        }

        return keys;
    }

    /// <summary>The cells of one line as <see cref="CsvCells"/> wrote them (quotes and neutralised leading characters undone).</summary>
    internal static List<string> Cells(string line) => CsvCells.ReadRecords(line) is [var first, ..] ? first : [string.Empty];
}

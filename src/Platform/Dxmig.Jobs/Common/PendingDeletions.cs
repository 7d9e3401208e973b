using System.Globalization;
using System.Text;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Common;

/// <summary>
/// Removals held back at the safety threshold: listed in <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c> (the source
/// id and the target key), the run's message saying how to confirm, and <c>--confirm-deletes RUNID</c> reading the list
/// back. Shared by the CESS job kinds.
/// </summary>
public static class PendingDeletions
{
    /// <summary>Where a run's pending deletions are listed.</summary>
    public static string PendingPath(string folder, string runId) => Path.Combine(folder, $"pending-deletions-{runId}.csv");

    /// <summary>The safety of a run: the job's threshold and, with <c>--confirm-deletes</c>, that run's list.</summary>
    /// <exception cref="ConfigurationException">The RUNID has no list.</exception>
    public static DeletionSafety Safety(string folder, int maxCount, double maxPercent, string? confirmRunId) => new()
    {
        MaxCount = maxCount,
        MaxPercent = maxPercent,
        Confirmed = confirmRunId is { } runId ? Read(folder, runId) : null,
    };

    /// <summary>After a run: lists the held-back removals and tells the person how to confirm them (run message and log).</summary>
    public static void Report(JobFile job, RunResult result, DeletionSafety safety, string folder, string idColumn, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(safety);
        ArgumentNullException.ThrowIfNull(loggers);
        if (safety.Pending.Count == 0)
        {
            return;
        }

        var path = Write(folder, result.Run.RunId, idColumn, safety.Pending);
        result.Run.Message = (result.Run.Message is { } message ? message + "\n" : string.Empty) +
            $"要確認: 削除を保留した {safety.Pending.Count} 件の一覧 {path} を確認し、確定するには dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId} / " +
            $"needs attention: review the {safety.Pending.Count} held-back deletions in {path}; to confirm: dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId}";
        loggers.CreateLogger("dxmig.run").LogWarning(
            "要確認 / needs attention: {Count} 件の削除を保留しました / deletions held back: {File}; dxmig run {Job} --confirm-deletes {RunId}",
            safety.Pending.Count, path, job.FilePath, result.Run.RunId);
    }

    /// <summary>Writes the list (UTF-8 with BOM, for Excel) and returns its path.</summary>
    public static string Write(string folder, string runId, string idColumn, IReadOnlyList<(string NativeId, string? TargetKey)> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        Directory.CreateDirectory(folder);
        var text = new StringBuilder(idColumn).Append(",target_key\r\n");
        foreach (var (id, key) in pending.OrderBy(p => p.NativeId, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Cell(id)},{Cell(key ?? string.Empty)}\r\n");
        }

        var path = PendingPath(folder, runId);
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(true));
        return path;
    }

    /// <summary>A cell the admin opens in Excel: quoted when it holds a comma, a quote or a line break, and a value
    /// starting with = + - @ neutralised (<see cref="CsvCells"/>); <see cref="Read"/> undoes both.</summary>
    public static string Cell(string value) => CsvCells.Cell(value);

    /// <summary>The ids of a run's list.</summary>
    /// <exception cref="ConfigurationException">The run has no list.</exception>
    public static HashSet<string> Read(string folder, string runId)
    {
        var path = PendingPath(folder, runId);
        if (runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || !File.Exists(path))
        {
            throw new ConfigurationException(
                $"実行 {runId} の削除予定一覧 {path} がありません (--confirm-deletes にはしきい値で止まった実行の RUNID を指定します) / " +
                $"run {runId} has no pending-deletions list at {path} (--confirm-deletes takes the RUNID of a run stopped at the threshold)");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path, Encoding.UTF8).Skip(1).Where(l => l.Length > 0))
        {
            ids.Add(FirstCell(line));
        }

        return ids;
    }

    private static string FirstCell(string line)
    {
        if (!line.StartsWith('"'))
        {
            return Unneutralised(line.Split(',')[0]);
        }

        var value = new StringBuilder();
        for (var i = 1; i < line.Length; i++)
        {
            if (line[i] == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                value.Append('"');
                i++;
            }
            else if (line[i] == '"')
            {
                break;
            }
            else
            {
                value.Append(line[i]);
            }
        }

        return Unneutralised(value.ToString());
    }

    /// <summary>The value <see cref="CsvCells"/> neutralised with a leading apostrophe, as it was.</summary>
    private static string Unneutralised(string id) =>
        id.Length > 1 && id[0] == '\'' && id[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? id[1..] : id;
}

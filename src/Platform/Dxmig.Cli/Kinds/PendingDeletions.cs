using System.Globalization;
using System.Text;
using Dxmig.Platform.Contracts;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Kinds;

/// <summary>
/// The removals a run held back at the deletion threshold: listed in <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c>
/// (native id, target key), read back when a person confirms them with <c>dxmig run JOB --confirm-deletes RUNID</c>.
/// Shared by the CESS job kinds.
/// </summary>
internal static class PendingDeletions
{
    /// <summary>Where a run's pending deletions are listed.</summary>
    public static string PendingPath(string folder, string runId) => Path.Combine(folder, $"pending-deletions-{runId}.csv");

    /// <summary>The safety of a run: the job's threshold, and the ids confirmed by <c>--confirm-deletes</c>.</summary>
    /// <exception cref="ConfigurationException">The confirmed run has no pending-deletions list.</exception>
    public static DeletionSafety Safety(string folder, int maxCount, double maxPercent, string? confirmRunId) => new()
    {
        MaxCount = maxCount,
        MaxPercent = maxPercent,
        Confirmed = confirmRunId is { } runId ? ReadPending(folder, runId) : null,
    };

    /// <summary>After a run: lists the held-back removals and tells the person how to confirm them.</summary>
    public static void Report(DeletionSafety? safety, RunResult result, string folder, string jobFile, string idHeader, string unit, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (safety is not { Pending.Count: > 0 })
        {
            return;
        }

        WritePending(folder, result.Run.RunId, safety.Pending, idHeader);
        var path = PendingPath(folder, result.Run.RunId);
        result.Run.Message = (result.Run.Message is { } message ? message + "\n" : string.Empty) +
            $"要確認: 削除を保留した {safety.Pending.Count} {unit}の一覧 {path} を確認し、確定するには dxmig run {jobFile} --confirm-deletes {result.Run.RunId} / " +
            $"needs attention: review the {safety.Pending.Count} held-back deletions in {path}; to confirm: dxmig run {jobFile} --confirm-deletes {result.Run.RunId}";
        logger.LogWarning(
            "要確認 / needs attention: {Count} 件の削除を保留しました / deletions held back: {File}; dxmig run {Job} --confirm-deletes {RunId}",
            safety.Pending.Count, path, jobFile, result.Run.RunId);
    }

    private static void WritePending(string folder, string runId, IReadOnlyList<(string NativeId, string? TargetKey)> pending, string idHeader)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder($"{idHeader},target_key\r\n");
        foreach (var (id, key) in pending.OrderBy(p => p.NativeId, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Cell(id)},{Cell(key ?? string.Empty)}\r\n");
        }

        File.WriteAllText(PendingPath(folder, runId), text.ToString(), new UTF8Encoding(true));
    }

    private static HashSet<string> ReadPending(string folder, string runId)
    {
        var path = PendingPath(folder, runId);
        if (runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || !File.Exists(path))
        {
            throw new ConfigurationException(
                $"実行 {runId} の削除予定一覧 {path} がありません (--confirm-deletes にはしきい値で止まった実行の RUNID を指定します) / " +
                $"run {runId} has no pending-deletions list at {path} (--confirm-deletes takes the RUNID of a run stopped at the threshold)");
        }

        return [.. File.ReadLines(path, Encoding.UTF8).Skip(1).Where(l => l.Length > 0).Select(l => Uncell(l.Split(',')[0]))];
    }

    private static string Cell(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
        ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : value;

    private static string Uncell(string value) => value.StartsWith('"') ? value[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : value;
}

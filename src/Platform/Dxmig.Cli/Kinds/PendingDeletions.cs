using System.Globalization;
using System.Text;
using Dxmig.Platform.Contracts;

namespace Dxmig.Cli.Kinds;

/// <summary>
/// The list of removals a run held back at the deletion threshold (<c>{logs}/{job}/pending-deletions-{RUNID}.csv</c>,
/// UTF-8 with BOM), which <c>dxmig run JOB --confirm-deletes RUNID</c> reads back: shared by every job kind with removals.
/// </summary>
internal static class PendingDeletions
{
    /// <summary>Where a run's pending deletions are listed.</summary>
    public static string PathOf(string folder, string runId) => Path.Combine(folder, $"pending-deletions-{runId}.csv");

    public static void Write(string folder, string runId, string keyHeader, IReadOnlyList<(string NativeId, string? TargetKey)> pending)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder($"{keyHeader},target_key\r\n");
        foreach (var (id, key) in pending.OrderBy(p => p.NativeId, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Cell(id)},{Cell(key ?? string.Empty)}\r\n");
        }

        File.WriteAllText(PathOf(folder, runId), text.ToString(), new UTF8Encoding(true));
    }

    /// <exception cref="ConfigurationException">The run has no pending list.</exception>
    public static HashSet<string> Read(string folder, string runId)
    {
        var path = PathOf(folder, runId);
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

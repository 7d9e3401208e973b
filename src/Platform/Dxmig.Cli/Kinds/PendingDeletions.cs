using System.Globalization;
using System.Text;
using Dxmig.Platform.Contracts;
using Dxmig.Platform.Reconciliation;

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

        return [.. File.ReadLines(path, Encoding.UTF8).Skip(1).Where(l => l.Length > 0).Select(FirstCell)];
    }

    /// <summary>A cell the admin opens in Excel: quoted as needed, and an id starting with = + - @ neutralised (CsvCells).</summary>
    private static string Cell(string value) => CsvCells.Cell(value);

    /// <summary>The id of a line <see cref="Cell"/> wrote: quotes (with commas inside) and the neutralising apostrophe undone.</summary>
    private static string FirstCell(string line)
    {
        string value;
        if (line.StartsWith('"'))
        {
            var text = new StringBuilder();
            for (var i = 1; i < line.Length; i++)
            {
                if (line[i] == '"' && (i + 1 >= line.Length || line[i + 1] != '"'))
                {
                    break;
                }

                text.Append(line[i]);
                i += line[i] == '"' ? 1 : 0;
            }

            value = text.ToString();
        }
        else
        {
            value = line.Split(',')[0];
        }

        return value.Length > 1 && value[0] == '\'' && value[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? value[1..] : value;
    }
}

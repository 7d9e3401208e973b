using System.Globalization;
using System.Text;
using Dxmig.Platform.Ledger;

using Dxmig.Platform.Reconciliation;

namespace Dxmig.Jobs.Mobile.Devices;

/// <summary>
/// The conflicts a mobile-work run found, written to <c>{logs}/{job}/conflicts-{RUNID}.csv</c> (UTF-8 with BOM, for
/// Excel) and counted in the run summary: the run ends "needs attention" (exit 1) while there are any.
/// </summary>
public static class MobileConflicts
{
    public static string PathOf(string folder, string runId) => Path.Combine(folder, $"conflicts-{runId}.csv");

    public static void Report(string folder, LedgerRun run, IReadOnlyList<ReportConflict> conflicts)
    {
        if (conflicts.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var text = new StringBuilder("kind,subject,detail\r\n");
        foreach (var c in conflicts.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.Subject, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Cell(c.Kind)},{Cell(c.Subject)},{Cell(c.Detail)}\r\n");
        }

        var path = PathOf(folder, run.RunId);
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(true));
        var kinds = string.Join(", ", conflicts.GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        run.Message = (run.Message is { } message ? message + "\n" : string.Empty) +
                      $"要確認: 管理者が確認すべき不整合が {conflicts.Count} 件あります ({kinds})。一覧: {path} / " +
                      $"needs attention: {conflicts.Count} conflict(s) an admin must see ({kinds}); list: {path}";
        if (run.Outcome is RunOutcome.Succeeded or RunOutcome.CompletedWithQuarantine)
        {
            run.Outcome = RunOutcome.CompletedWithWarnings;
        }
    }

    /// <summary>A cell the admin opens in Excel: quoted as needed, a value starting with = + - @ neutralised (asset numbers and names come from the exports).</summary>
    private static string Cell(string value) => CsvCells.Cell(value);
}

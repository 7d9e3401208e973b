using System.Globalization;
using System.Text;

namespace Dxmig.TestSupport;

/// <summary>
/// One line per fault or kill scenario, appended to the file named by <c>DXMIG_CHAOS_TALLY</c> (test.sh sets it and prints
/// the lines as one table after the suite). Lost and doubled are counted by re-reading the target, never from the ledger.
/// Without the variable nothing is written: a developer running one test reads the same line in the test output.
/// </summary>
public static class ChaosTally
{
    public const string Variable = "DXMIG_CHAOS_TALLY";

    private static readonly Lock Gate = new();

    /// <summary>Records one scenario and returns the line written (tab-separated: scenario, faults, kills, runs, items, lost, doubled, quarantined by reason).</summary>
    public static string Record(string scenario, long faults, int kills, int runs, long items, long lost, long doubled, IReadOnlyDictionary<string, int>? quarantinedByReason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(scenario);
        var quarantined = quarantinedByReason is null || quarantinedByReason.Count == 0
            ? "0"
            : string.Join("; ", quarantinedByReason.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => $"{q.Key} {q.Value.ToString(CultureInfo.InvariantCulture)}"));
        var line = string.Join('\t',
            Clean(scenario),
            faults.ToString(CultureInfo.InvariantCulture),
            kills.ToString(CultureInfo.InvariantCulture),
            runs.ToString(CultureInfo.InvariantCulture),
            items.ToString(CultureInfo.InvariantCulture),
            lost.ToString(CultureInfo.InvariantCulture),
            doubled.ToString(CultureInfo.InvariantCulture),
            Clean(quarantined));
        var path = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(path))
        {
            lock (Gate)
            {
                File.AppendAllText(path, line + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }
        }

        return line;
    }

    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}

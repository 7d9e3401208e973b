using System.Globalization;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// The report folder of one reconciliation, filled as accounts finish: every finding goes straight to its CSV list
/// (missing, extra, doubled, differences, exceptions, not-ours, kept-by-policy, deleted-on-target), so a large report is never held whole; the accounts,
/// with their first findings for the drill-down, stay for <see cref="ReportWriter"/>.
/// </summary>
public sealed class ReportSink : IDisposable
{
    /// <summary>Findings per account shown in the HTML drill-down; the CSV lists hold them all.</summary>
    public const int IssuesInHtml = 200;

    public static readonly string[] Lists = ["missing", "extra", "doubled", "differences", "exceptions", "not-ours", "kept-by-policy", "deleted-on-target"];

    private static readonly string[] IssueHeader = ["account", "container", "kind", "identity", "location", "field", "source", "target"];

    private readonly Dictionary<string, StreamWriter> writers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);
    private readonly List<AccountReconciliation> accounts = [];
    private readonly Lock gate = new();

    /// <exception cref="IOException">The folder cannot be written.</exception>
    public ReportSink(string folder)
    {
        Folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Folder);
        foreach (var list in Lists)
        {
            writers[list] = CsvCells.Create(Path.Combine(Folder, list + ".csv"), IssueHeader);
            counts[list] = 0;
        }
    }

    public string Folder { get; }

    /// <summary>The accounts so far, in account order.</summary>
    public IReadOnlyList<AccountReconciliation> Accounts
    {
        get
        {
            lock (gate)
            {
                return [.. accounts.OrderBy(a => a.Account, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Rows written to each CSV list.</summary>
    public IReadOnlyDictionary<string, long> ListCounts
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, long>(counts, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>0 when every account is complete; 1 when the rest have documented exceptions only; 2 when any is incomplete.</summary>
    public int ExitCode
    {
        get
        {
            lock (gate)
            {
                return accounts.Any(a => a.Verdict == Verdict.Incomplete) ? ExitCodes.Failed
                    : accounts.Any(a => a.Verdict == Verdict.CompleteWithExceptions) ? ExitCodes.Quarantined
                    : ExitCodes.Success;
            }
        }
    }

    public void Add(AccountReconciliation account)
    {
        ArgumentNullException.ThrowIfNull(account);
        lock (gate)
        {
            foreach (var issue in account.Issues)
            {
                writers[issue.ListName].Write(CsvCells.Line(
                [
                    issue.Account, issue.Container, issue.KindName, issue.Identity, issue.Location, issue.Field, issue.SourceValue, issue.TargetValue,
                ]));
                counts[issue.ListName]++;
            }

            accounts.Add(account with
            {
                Issues = [.. account.Issues.Where(i => i.Kind != IssueKind.NotOurs).Take(IssuesInHtml)],
                IssueCount = account.Issues.Count(i => i.Kind != IssueKind.NotOurs),
            });
        }
    }

    /// <summary>Closes the CSV lists (the writer calls this before it writes the rest).</summary>
    public void CloseLists()
    {
        lock (gate)
        {
            foreach (var writer in writers.Values)
            {
                writer.Flush();
                writer.Dispose();
            }

            writers.Clear();
        }
    }

    public void Dispose() => CloseLists();

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

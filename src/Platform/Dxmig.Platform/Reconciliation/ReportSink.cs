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

    /// <summary>
    /// The columns of every finding list: the reason as a code and its sentence, where the item is on each side, the key
    /// that matched it, and for a difference the field and both values. (Before 2026-12 the lists had "identity,
    /// location, field, source, target", with a documented exception's code under "source" and its sentence under "target".)
    /// </summary>
    public static readonly string[] IssueHeader =
        ["account", "container", "kind", "reason", "detail", "source_key", "target_key", "identity", "field", "source_value", "target_value"];

    /// <summary>One finding as a CSV line under <see cref="IssueHeader"/>.</summary>
    public static string IssueLine(ReconIssue issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var difference = issue.Field is not null;
        return CsvCells.Line(
        [
            issue.Account, issue.Container, issue.KindName, issue.Reason, issue.Detail, issue.SourceKey, issue.TargetKey, issue.Identity,
            issue.Field, difference ? issue.SourceValue : null, difference ? issue.TargetValue : null,
        ]);
    }

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
                writers[issue.ListName].Write(IssueLine(issue));
                counts[issue.ListName]++;
            }

            accounts.Add(account with
            {
                Issues = [.. account.Issues.Where(i => i.Kind != IssueKind.NotOurs).Take(IssuesInHtml)],
                IssueCount = account.Issues.Count(i => i.Kind != IssueKind.NotOurs),
                Reasons = account.Reasons.Count > 0 ? account.Reasons : ReconReason.Of(account.Issues),
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

namespace Dxmig.Platform.Reconciliation;

/// <summary>What reconciliation found about one item.</summary>
public enum IssueKind
{
    /// <summary>On the source, not on the target, and the ledger gives no reason.</summary>
    Missing,

    /// <summary>On the target (written by dxmig), with no source item.</summary>
    Extra,

    /// <summary>More copies on the target than on the source.</summary>
    Doubled,

    /// <summary>Flags or keywords differ.</summary>
    Flags,

    /// <summary>The received date differs.</summary>
    Date,

    /// <summary>The item is in another folder than the one it belongs in.</summary>
    Folder,

    /// <summary>A record's field differs.</summary>
    Field,

    /// <summary>Deep check: the content hash differs.</summary>
    Content,

    /// <summary>Documented: skipped by a named rule (the ledger's rule and sentence).</summary>
    Skipped,

    /// <summary>Documented: quarantined with a reason (the ledger's code and sentence).</summary>
    Quarantined,

    /// <summary>By policy: gone from the source, kept on the target (deletion policy keep). Listed only: the policy asked for it.</summary>
    KeptAfterSourceDeletion,

    /// <summary>Not dxmig's: on the target but not written by dxmig (mail that arrived after cutover). Listed only.</summary>
    NotOurs,

    /// <summary>
    /// The item could not be read on one side (the server's answer for it could not be parsed, or it refused to give
    /// it), with the reason: an exception of that one item, which the rest of the account does not wait for. A source
    /// item missing from a target container that holds an unreadable item is this too (it may be that item).
    /// </summary>
    Unreadable,

    /// <summary>
    /// Deleted on the target by its owner after cutover (the ledger's skip <see cref="Contracts.ItemProblem.TargetDeleted"/>):
    /// the source still has it, the person removed it on the new system. Listed only: not dxmig's loss, not an exception.
    /// </summary>
    DeletedOnTarget,
}

/// <summary>One finding, as the CSV and the report's drill-down show it.</summary>
/// <param name="Account">Source account.</param>
/// <param name="Container">Container in the target's terms.</param>
/// <param name="Kind">What was found.</param>
/// <param name="Identity">The matching key (source key, Message-ID…).</param>
/// <param name="Location">Where to find it (source location, target key).</param>
/// <param name="Field">The field or aspect that differs, for differences.</param>
/// <param name="SourceValue">The value on the source (or the ledger's code for documented exceptions).</param>
/// <param name="TargetValue">The value on the target (or the ledger's sentence for documented exceptions).</param>
public sealed record ReconIssue(
    string Account, string Container, IssueKind Kind, string Identity, string Location, string? Field = null, string? SourceValue = null, string? TargetValue = null)
{
    /// <summary>A mismatch that makes the account incomplete.</summary>
    public bool IsMismatch => Kind is IssueKind.Missing or IssueKind.Extra or IssueKind.Doubled or IssueKind.Flags or IssueKind.Date
        or IssueKind.Folder or IssueKind.Field or IssueKind.Content;

    /// <summary>A documented exception: complete, with a reason on record.</summary>
    public bool IsException => Kind is IssueKind.Skipped or IssueKind.Quarantined or IssueKind.Unreadable;

    /// <summary>The CSV file the issue goes to.</summary>
    public string ListName => Kind switch
    {
        IssueKind.Missing => "missing",
        IssueKind.Extra => "extra",
        IssueKind.Doubled => "doubled",
        IssueKind.NotOurs => "not-ours",
        IssueKind.KeptAfterSourceDeletion => "kept-by-policy",
        IssueKind.DeletedOnTarget => "deleted-on-target",
        _ when IsException => "exceptions",
        _ => "differences",
    };

    /// <summary>The word for the kind in the report and CSV.</summary>
    public string KindName => NameOf(Kind);

    /// <summary>The word for a kind in the report and CSV (a code: lower case, hyphens).</summary>
    public static string NameOf(IssueKind kind) => kind switch
    {
        IssueKind.KeptAfterSourceDeletion => "kept-after-source-deletion",
        IssueKind.NotOurs => "not-ours",
        IssueKind.DeletedOnTarget => "deleted-on-target",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>What separates the source's and the target's location of a paired item in <see cref="Location"/>.</summary>
    public const string Arrow = " → ";

    /// <summary>The reason as a code: the ledger's code for documented exceptions (quarantine, skip, the owner's deletion), else the kind.</summary>
    public string Reason => Kind is IssueKind.Skipped or IssueKind.Quarantined or IssueKind.DeletedOnTarget && !string.IsNullOrEmpty(SourceValue)
        ? SourceValue!
        : KindName;

    /// <summary>The sentence: the ledger's explanation, why an item could not be read, or what differs.</summary>
    public string Detail => Kind switch
    {
        IssueKind.Skipped or IssueKind.Quarantined or IssueKind.DeletedOnTarget or IssueKind.KeptAfterSourceDeletion or IssueKind.Missing => TargetValue ?? string.Empty,
        IssueKind.Unreadable => SourceValue ?? TargetValue ?? string.Empty,
        IssueKind.Doubled => $"移行先に同じ項目の余分な写し (移行元 {SourceValue} 件) / an extra copy on the target (source copies: {SourceValue})",
        IssueKind.Extra => "移行元にない項目を dxmig が書いています / written by dxmig, not on the source",
        IssueKind.NotOurs => "dxmig が書いたものではない項目 (移行後に届いたメールなど) / not written by dxmig (mail that arrived after cutover…)",
        _ => $"{Field}: {SourceValue} → {TargetValue}",
    };

    /// <summary>Where the item is on the source ("INBOX UID 42", "tanaka.csv:12"), or empty when it has no source item.</summary>
    public string SourceKey => Split().Source;

    /// <summary>Where the item is on the target ("graph:AAMk…", "INBOX UID 7"), or empty when the target does not hold it.</summary>
    public string TargetKey => Split().Target;

    /// <summary>The item is only on the target (nothing on the source was compared with it).</summary>
    private bool TargetSide => Kind is IssueKind.Extra or IssueKind.NotOurs or IssueKind.Doubled or IssueKind.KeptAfterSourceDeletion
        || (Kind == IssueKind.Unreadable && SourceValue is null);

    private (string Source, string Target) Split()
    {
        var arrow = Location.IndexOf(Arrow, StringComparison.Ordinal);
        if (arrow >= 0)
        {
            return (Location[..arrow], Location[(arrow + Arrow.Length)..]);
        }

        return Kind == IssueKind.KeptAfterSourceDeletion ? (SourceValue ?? string.Empty, Location)
            : TargetSide ? (string.Empty, Location)
            : (Location, string.Empty);
    }

    /// <summary>The kind in words, Japanese and English.</summary>
    public static (string Japanese, string English) Words(IssueKind kind) => kind switch
    {
        IssueKind.Missing => ("欠落", "missing"),
        IssueKind.Extra => ("余分", "extra"),
        IssueKind.Doubled => ("重複", "doubled"),
        IssueKind.Flags => ("フラグの相違", "flags differ"),
        IssueKind.Date => ("日時の相違", "date differs"),
        IssueKind.Folder => ("フォルダの相違", "folder differs"),
        IssueKind.Field => ("項目の相違", "field differs"),
        IssueKind.Content => ("内容の相違", "content differs"),
        IssueKind.Skipped => ("スキップ", "skipped"),
        IssueKind.Quarantined => ("隔離", "quarantined"),
        IssueKind.KeptAfterSourceDeletion => ("方針により保持", "kept by policy"),
        IssueKind.NotOurs => ("dxmig 以外の項目", "not dxmig's"),
        IssueKind.Unreadable => ("読めない", "unreadable"),
        IssueKind.DeletedOnTarget => ("移行先で削除", "deleted on the target"),
        _ => ("その他", "other"),
    };
}

/// <summary>One reason of an account's findings and how many findings have it.</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Code">The reason as a code (<see cref="ReconIssue.Reason"/>).</param>
/// <param name="Count">How many findings.</param>
public sealed record ReconReason(IssueKind Kind, string Code, long Count)
{
    /// <summary>"隔離 bad-email / quarantined bad-email", or the kind alone when the code is the kind.</summary>
    public string Label
    {
        get
        {
            var (ja, en) = ReconIssue.Words(Kind);
            return Code == KindName ? $"{ja} / {en}" : $"{ja} / {en}: {Code}";
        }
    }

    /// <summary>The kind as a code (<see cref="ReconIssue.NameOf"/>).</summary>
    public string KindName => ReconIssue.NameOf(Kind);

    /// <summary>Every reason of these findings (those not dxmig's left out), most frequent first; none dropped.</summary>
    public static IReadOnlyList<ReconReason> Of(IEnumerable<ReconIssue> issues) =>
    [
        .. issues.Where(i => i.Kind != IssueKind.NotOurs).GroupBy(i => (i.Kind, i.Reason))
            .Select(g => new ReconReason(g.Key.Kind, g.Key.Reason, g.LongCount()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Kind).ThenBy(r => r.Code, StringComparer.Ordinal),
    ];

    /// <summary>Reasons of many accounts added together, most frequent first.</summary>
    public static IReadOnlyList<ReconReason> Sum(IEnumerable<ReconReason> reasons) =>
    [
        .. reasons.GroupBy(r => (r.Kind, r.Code)).Select(g => new ReconReason(g.Key.Kind, g.Key.Code, g.Sum(r => r.Count)))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Kind).ThenBy(r => r.Code, StringComparer.Ordinal),
    ];
}

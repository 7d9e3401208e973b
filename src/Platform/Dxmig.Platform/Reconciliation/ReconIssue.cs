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
    public string KindName => Kind switch
    {
        IssueKind.KeptAfterSourceDeletion => "kept-after-source-deletion",
        IssueKind.NotOurs => "not-ours",
        IssueKind.DeletedOnTarget => "deleted-on-target",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}

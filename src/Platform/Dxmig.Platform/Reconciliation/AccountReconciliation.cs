namespace Dxmig.Platform.Reconciliation;

/// <summary>An account's verdict.</summary>
public enum Verdict
{
    /// <summary>Every source item is on the target, once, as it should be; nothing extra.</summary>
    Complete,

    /// <summary>Complete except items the ledger documents: skipped by a named rule or quarantined with a reason.</summary>
    CompleteWithExceptions,

    /// <summary>Something is missing, extra, doubled or different, or a side could not be read.</summary>
    Incomplete,
}

/// <summary>Counts of one container (or of the whole account) on each side and in the ledger.</summary>
public sealed class ContainerTally(string container)
{
    public string Container { get; } = container;

    public long SourceItems { get; set; }

    public long SourceBytes { get; set; }

    public long TargetItems { get; set; }

    /// <summary>Null when the target does not tell sizes (Graph messages).</summary>
    public long? TargetBytes { get; set; }

    public long Matched { get; set; }

    public long LedgerLoaded { get; set; }

    public long LedgerLoadedBytes { get; set; }

    public long LedgerSkipped { get; set; }

    public long LedgerQuarantined { get; set; }

    /// <summary>Items the ledger holds as removed (gone from the source and taken off the target by a run): neither side has them, as asked.</summary>
    public long LedgerRemoved { get; set; }

    public long Missing { get; set; }

    public long Extra { get; set; }

    public long Doubled { get; set; }

    public long Differences { get; set; }

    /// <summary>Documented exceptions of every kind: <see cref="Quarantined"/> + <see cref="Skipped"/> + <see cref="Unreadable"/>.</summary>
    public long Exceptions { get; set; }

    /// <summary>Source items the ledger quarantined with a reason, not (equal) on the target: an exception to fix in the export.</summary>
    public long Quarantined { get; set; }

    /// <summary>Source items a named rule of the job skipped (not meant to arrive).</summary>
    public long Skipped { get; set; }

    /// <summary>Items one side could not read (listed with the reason): not known to have arrived.</summary>
    public long Unreadable { get; set; }

    /// <summary>Source items on the target once and equal in everything compared: what arrived and matches.</summary>
    public long Arrived { get; set; }

    public long NotOurs { get; set; }

    /// <summary>Target items whose source is gone, kept because the job's deletion policy is "keep": as asked, not an exception.</summary>
    public long KeptByPolicy { get; set; }

    /// <summary>Source items whose copy the person deleted on the target after cutover: their decision, not an exception.</summary>
    public long DeletedOnTarget { get; set; }

    /// <summary>Adds another tally's counts to this one.</summary>
    public void Add(ContainerTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        SourceItems += other.SourceItems;
        SourceBytes += other.SourceBytes;
        TargetItems += other.TargetItems;
        TargetBytes = TargetBytes is null || other.TargetBytes is null ? null : TargetBytes + other.TargetBytes;
        Matched += other.Matched;
        LedgerLoaded += other.LedgerLoaded;
        LedgerLoadedBytes += other.LedgerLoadedBytes;
        LedgerSkipped += other.LedgerSkipped;
        LedgerQuarantined += other.LedgerQuarantined;
        LedgerRemoved += other.LedgerRemoved;
        Missing += other.Missing;
        Extra += other.Extra;
        Doubled += other.Doubled;
        Differences += other.Differences;
        Exceptions += other.Exceptions;
        Quarantined += other.Quarantined;
        Skipped += other.Skipped;
        Unreadable += other.Unreadable;
        Arrived += other.Arrived;
        NotOurs += other.NotOurs;
        KeptByPolicy += other.KeptByPolicy;
        DeletedOnTarget += other.DeletedOnTarget;
    }

    /// <summary>
    /// Source items that should be on the target: every source item except those a rule of the job skipped and those
    /// the person deleted on the target after cutover (both asked for, neither expected there).
    /// </summary>
    public long ShouldArrive => Math.Max(0, SourceItems - Skipped - DeletedOnTarget);

    /// <summary>
    /// What arrived and matches (<see cref="Arrived"/>) over what should arrive (<see cref="ShouldArrive"/>), 0–100:
    /// quarantined, doubled, missing, differing and unreadable items are not complete. 100 when nothing should arrive.
    /// </summary>
    public double CompletionPercent => ShouldArrive == 0 ? 100 : Math.Round(100.0 * Math.Min(ShouldArrive, Arrived) / ShouldArrive, 2);
}

/// <summary>One account's reconciliation: its verdict in one line, its containers and its findings.</summary>
public sealed record AccountReconciliation(
    string Account, Verdict Verdict, string Reason, ContainerTally Totals, IReadOnlyList<ContainerTally> Containers, IReadOnlyList<ReconIssue> Issues)
{
    /// <summary>Quarantine codes in the ledger for this account, with counts.</summary>
    public IReadOnlyDictionary<string, long> QuarantineCodes { get; init; } = new Dictionary<string, long>();

    /// <summary>How many findings the account has in all (<see cref="Issues"/> may hold only the first of them).</summary>
    public int IssueCount { get; init; }

    /// <summary>Every reason of the account's findings with its count, most frequent first (all of them, never cut).</summary>
    public IReadOnlyList<ReconReason> Reasons { get; init; } = [];

    /// <summary>False when the account could not be reconciled at all (a side unreadable): its figures say nothing.</summary>
    public bool Reconciled { get; init; } = true;

    /// <summary>The completion percentage, or null when the account could not be reconciled.</summary>
    public double? CompletionPercent => Reconciled ? Totals.CompletionPercent : null;

    /// <summary>The account could not be reconciled (a side unreadable): the sentence.</summary>
    public static AccountReconciliation Failed(string account, string reason) =>
        new(account, Verdict.Incomplete, reason, new ContainerTally("*"), [], []) { Reconciled = false };
}

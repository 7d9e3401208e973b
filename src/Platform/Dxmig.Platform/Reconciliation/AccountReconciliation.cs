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

    public long Exceptions { get; set; }

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
        NotOurs += other.NotOurs;
        KeptByPolicy += other.KeptByPolicy;
        DeletedOnTarget += other.DeletedOnTarget;
    }

    /// <summary>Share of source items accounted for on the target or by a documented exception, 0–100.</summary>
    public double CompletionPercent => SourceItems == 0 ? 100 : Math.Round(100.0 * Math.Min(SourceItems, Matched + Exceptions + DeletedOnTarget) / SourceItems, 2);
}

/// <summary>One account's reconciliation: its verdict in one line, its containers and its findings.</summary>
public sealed record AccountReconciliation(
    string Account, Verdict Verdict, string Reason, ContainerTally Totals, IReadOnlyList<ContainerTally> Containers, IReadOnlyList<ReconIssue> Issues)
{
    /// <summary>Quarantine codes in the ledger for this account, with counts.</summary>
    public IReadOnlyDictionary<string, long> QuarantineCodes { get; init; } = new Dictionary<string, long>();

    /// <summary>How many findings the account has in all (<see cref="Issues"/> may hold only the first of them).</summary>
    public int IssueCount { get; init; }

    /// <summary>The account could not be reconciled (a side unreadable): the sentence.</summary>
    public static AccountReconciliation Failed(string account, string reason) =>
        new(account, Verdict.Incomplete, reason, new ContainerTally("*"), [], []);
}

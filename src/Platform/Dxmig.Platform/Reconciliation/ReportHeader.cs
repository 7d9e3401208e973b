namespace Dxmig.Platform.Reconciliation;

/// <summary>What a report says about the reconciliation as a whole.</summary>
public sealed record ReportHeader
{
    public required string Job { get; init; }

    public required string Kind { get; init; }

    /// <summary>The run it follows (after-run), or the latest run of the job (on demand); null when the job never ran.</summary>
    public string? RunId { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required DateTimeOffset Ended { get; init; }

    public bool Deep { get; init; }

    public required string Source { get; init; }

    public required string Target { get; init; }

    public required IReadOnlyList<string> Compared { get; init; }

    /// <summary>Requests sent to the source and target.</summary>
    public long Requests { get; init; }

    /// <summary>Conflicts an admin must see that are not item differences (a device lent to someone who left, a SIM in two devices …).</summary>
    public IReadOnlyList<ReportConflict> Conflicts { get; init; } = [];

    /// <summary>The job file as the person names it on the command line (for the commands the page suggests); null: the job's name.</summary>
    public string? JobFile { get; init; }

    /// <summary>The log a person reads for an account that could not be reconciled (the run's log, or the log folder).</summary>
    public string? LogFile { get; init; }

    /// <summary>The run's list of deletions held back at the threshold (<c>pending-deletions-RUNID.csv</c>), when it has one.</summary>
    public string? PendingDeletionsFile { get; init; }

    /// <summary>Bytes the run loaded, per batch, in time order (the chart "bytes moved over the run").</summary>
    public IReadOnlyList<(DateTime Utc, long Items, long Bytes)> Timeline { get; init; } = [];
}

/// <summary>One conflict an admin must see: its kind (a code), what it is about, and the sentence (Japanese / English).</summary>
public sealed record ReportConflict(string Kind, string Subject, string Detail);

/// <summary>A reconciler that also finds conflicts between records (read from the target, never from the ledger).</summary>
public interface IConflictReconciler
{
    /// <summary>The conflicts as the target holds them now.</summary>
    Task<IReadOnlyList<ReportConflict>> ConflictsAsync(CancellationToken cancellationToken);
}

namespace Dxmig.Platform.Ledger;

/// <summary>What the ledger knows of one source item.</summary>
public enum ItemState
{
    /// <summary>Sent to the target, answer not yet recorded: in doubt after a crash.</summary>
    Pending,

    Loaded,

    Skipped,

    Quarantined,

    /// <summary>Vanished from the source and removed from the target (deletion policy "mirror").</summary>
    Removed,
}

/// <summary>One row per job and source item (the key without its version).</summary>
public sealed class LedgerItem
{
    public long Id { get; set; }

    public required string Job { get; set; }

    public required string System { get; set; }

    public required string Account { get; set; }

    public required string Container { get; set; }

    public required string NativeId { get; set; }

    public required string Version { get; set; }

    public required string ContentHash { get; set; }

    public long Size { get; set; }

    public ItemState State { get; set; }

    /// <summary>The skip rule or quarantine reason code.</summary>
    public string? Code { get; set; }

    /// <summary>The sentence a person reads.</summary>
    public string? Message { get; set; }

    public string? Location { get; set; }

    public string? TargetKey { get; set; }

    public required string FirstRunId { get; set; }

    public required string LastRunId { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>Where reading a container stopped.</summary>
public sealed class LedgerCheckpoint
{
    public long Id { get; set; }

    public required string Job { get; set; }

    public required string Account { get; set; }

    public required string Container { get; set; }

    public long? UidValidity { get; set; }

    public long? HighestUid { get; set; }

    public long? HighestModSeq { get; set; }

    public string? Cursor { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    Running,

    /// <summary>Everything accounted, loaded or skipped.</summary>
    Succeeded,

    /// <summary>Everything accounted, some items quarantined.</summary>
    CompletedWithQuarantine,

    /// <summary>Everything accounted, with warnings a person must read (a refused mass deletion).</summary>
    CompletedWithWarnings,

    /// <summary>An account failed or the accounting did not balance.</summary>
    Failed,

    /// <summary>Stopped on request or at the window's end; the next run resumes.</summary>
    Stopped,

    /// <summary>The process died; found by a later run.</summary>
    Interrupted,
}

/// <summary>One run of one job.</summary>
public sealed class LedgerRun : Pipeline.IRunCounts
{
    public required string RunId { get; set; }

    public required string Job { get; set; }

    public required string Node { get; set; }

    public int ProcessId { get; set; }

    public bool DryRun { get; set; }

    public DateTime StartedUtc { get; set; }

    public DateTime? EndedUtc { get; set; }

    public RunOutcome Outcome { get; set; }

    public long Seen { get; set; }

    public long Loaded { get; set; }

    public long Skipped { get; set; }

    public long Quarantined { get; set; }

    public long AlreadyDone { get; set; }

    public long Removed { get; set; }

    public long Bytes { get; set; }

    public int AccountsFailed { get; set; }

    public int Warnings { get; set; }

    public string? Message { get; set; }
}

/// <summary>The accounting of one account within one run.</summary>
public sealed class LedgerRunAccount : Pipeline.IRunCounts
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public required string Account { get; set; }

    public RunOutcome Outcome { get; set; }

    public long Seen { get; set; }

    public long Loaded { get; set; }

    public long Skipped { get; set; }

    public long Quarantined { get; set; }

    public long AlreadyDone { get; set; }

    public long Removed { get; set; }

    public long Bytes { get; set; }

    public string? Message { get; set; }

    /// <summary>Warnings raised for the account, one per line.</summary>
    public string? Warnings { get; set; }
}

/// <summary>Who runs a job now: one holder at a time, refreshed by heartbeat.</summary>
public sealed class JobLease
{
    public required string Job { get; set; }

    public required string RunId { get; set; }

    public required string Node { get; set; }

    public int ProcessId { get; set; }

    public DateTime HeartbeatUtc { get; set; }
}

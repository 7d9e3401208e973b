using Dxmig.Platform.Ledger;

namespace Dxmig.Platform.Pipeline;

/// <summary>The end of a run: its ledger record, the accounting of every account, and the process exit code.</summary>
public sealed record RunResult(LedgerRun Run, IReadOnlyList<AccountResult> Accounts)
{
    /// <summary>
    /// This process ended the run (always, outside a cluster). In a cluster run only the node that finds every account
    /// done completes it (then <see cref="Accounts"/> are every node's); the others get the accounts they ran.
    /// </summary>
    public bool CompletedHere { get; init; } = true;

    /// <summary>Cluster runs: this process joined a run another node started.</summary>
    public bool Joined { get; init; }

    /// <summary>
    /// The server the run stopped trying (its circuit opened): the run failed, the accounts not tried are as they were,
    /// and the after-run reconciliation is not made against it. Null when every server answered.
    /// </summary>
    public EndpointOutage? Outage { get; init; }

    /// <summary>0: all accounted, loaded or skipped; 1: finished with quarantined items or warnings; 2: failed or stopped.</summary>
    public int ExitCode => Run.Outcome switch
    {
        RunOutcome.Succeeded => ExitCodes.Success,
        RunOutcome.CompletedWithQuarantine or RunOutcome.CompletedWithWarnings => ExitCodes.Quarantined,
        _ => ExitCodes.Failed,
    };
}

/// <summary>The process exit codes every command keeps to.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Quarantined = 1;
    public const int Failed = 2;

    /// <summary>The command line itself is wrong (unknown command or option, a value that is not a number): nothing ran.</summary>
    public const int Usage = 2;

    /// <summary>Not run, or paused, because the job's run window is closed: nothing is wrong; the next window resumes it.</summary>
    public const int WindowClosed = 3;
}

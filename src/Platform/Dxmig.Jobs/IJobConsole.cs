using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs;

/// <summary>
/// What the shell shows while the job layer works: the CLI renders it on a terminal or as plain lines, the scheduler
/// host as plain lines on its standard output. The job layer never writes to a console itself.
/// </summary>
public interface IJobConsole
{
    /// <summary>A result line (standard output), already in Japanese / English.</summary>
    void Line(string text);

    /// <summary>A problem line (standard error), already in Japanese / English and masked.</summary>
    void Problem(string text);

    /// <summary>Prepares what the run's display needs while the run opens its ledger (optional).</summary>
    Task PrimeAsync() => Task.CompletedTask;

    /// <summary>Runs <paramref name="run"/> with an observer showing progress over <paramref name="accounts"/> accounts.</summary>
    Task<RunResult> ShowProgressAsync(int accounts, Func<IRunObserver, Task<RunResult>> run);

    /// <summary>The run's summary: accounting per account, where the log is, the first quarantined items.</summary>
    void RunSummary(RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined);

    /// <summary>The reconciliation's verdicts.</summary>
    void Reconciled(ReconcileOutcome outcome);
}

using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Tests.Harness;

/// <summary>An <see cref="IJobConsole"/> that keeps what the job layer shows: lines, problems, the run's summary data and the reconciliation's outcome.</summary>
public sealed class RecordingJobConsole : IJobConsole
{
    private readonly List<string> lines = [];
    private readonly List<string> problems = [];

    public IReadOnlyList<string> Lines => lines;

    public IReadOnlyList<string> Problems => problems;

    /// <summary>The run's result, as the summary received it (null when the run never got that far).</summary>
    public RunResult? Result { get; private set; }

    /// <summary>The log file the summary named (null when there is none).</summary>
    public string? LogFile { get; private set; }

    /// <summary>The first quarantined ledger items the summary listed.</summary>
    public IReadOnlyList<LedgerItem> Quarantined { get; private set; } = [];

    /// <summary>The accounts the progress display was told about.</summary>
    public int? ProgressAccounts { get; private set; }

    /// <summary>The last reconciliation's outcome (after the run, or on demand).</summary>
    public ReconcileOutcome? Reconciliation { get; private set; }

    public void Line(string text)
    {
        lock (lines)
        {
            lines.Add(text);
        }
    }

    public void Problem(string text)
    {
        lock (problems)
        {
            problems.Add(text);
        }
    }

    public Task<RunResult> ShowProgressAsync(int accounts, Func<IRunObserver, Task<RunResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        ProgressAccounts = accounts;
        return run(NullRunObserver.Instance);
    }

    public void RunSummary(RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined)
    {
        Result = result;
        LogFile = logFile;
        Quarantined = quarantined;
    }

    public void Reconciled(ReconcileOutcome outcome) => Reconciliation = outcome;
}

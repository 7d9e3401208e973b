using Dxmig.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Web.Live;

namespace Dxmig.Cli.Serve;

/// <summary>The scheduler host's run display, also feeding the operator console's live view (<see cref="LiveRuns"/>).</summary>
internal sealed class LiveJobConsole(IJobConsole inner, LiveRuns live, string job, string node) : IJobConsole
{
    public void Line(string text) => inner.Line(text);

    public void Problem(string text) => inner.Problem(text);

    public Task PrimeAsync() => inner.PrimeAsync();

    public Task<RunResult> ShowProgressAsync(int accounts, Func<IRunObserver, Task<RunResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return inner.ShowProgressAsync(accounts, async observer =>
        {
            using var watch = live.Observe(job, node, accounts, observer);
            return await run(watch);
        });
    }

    public void RunSummary(RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined) => inner.RunSummary(result, logFile, quarantined);

    public void Reconciled(ReconcileOutcome outcome) => inner.Reconciled(outcome);
}

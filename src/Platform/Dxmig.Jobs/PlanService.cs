using Dxmig.Jobs.Common;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Jobs;

/// <summary>The estimate of <c>dxmig plan</c>: what the source holds per account, the target's rate, and the windows it takes.</summary>
/// <param name="Sizes">Every account of the job, read or not (with why not).</param>
/// <param name="Rate">The per-account rate the estimate is made with, and its basis.</param>
/// <param name="Estimate">The night arithmetic over the accounts that could be read, for the nodes asked about.</param>
/// <param name="Asked">The nodes the estimate is for, their capacity, and the windows the node count is for.</param>
/// <param name="Nodes">How many nodes finish the job in the windows asked about.</param>
public sealed record PlanOutcome(IReadOnlyList<SourceSize> Sizes, TargetRate Rate, PlanEstimate Estimate, NodePlan Asked, NodeEstimate Nodes)
{
    /// <summary>Accounts whose size could be read (the ones in the estimate).</summary>
    public IReadOnlyList<SourceSize> Read => [.. Sizes.Where(s => s.Size is not null)];

    /// <summary>Accounts that could not be read (not in the estimate).</summary>
    public int Unread => Sizes.Count(s => s.Size is null);
}

/// <summary>
/// <c>dxmig plan</c> for every kind that can size its source (<see cref="ISizedKind{TSettings}"/>): mailboxes by
/// messages and bytes, exports by rows and bytes, document folders by files and bytes; then the same night arithmetic
/// (<see cref="MigrationPlanner"/>) against the target's per-account rate, the job's parallelism per node, one node's
/// capacity and its run windows; and how many nodes finish it in a given number of windows.
/// </summary>
public sealed class PlanService(TimeProvider time)
{
    /// <exception cref="Contracts.ConfigurationException">The job's kind cannot be sized.</exception>
    public async Task<PlanOutcome> PlanAsync(
        IBoundJob job, ClosedDayCalendar calendar, GivenThroughput given, SizeRequest request, NodePlan nodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(nodes);
        var rate = job.RateOf(given);
        var sizes = await job.ReadSizesAsync(request, cancellationToken);
        var window = new RunWindow(job.File.Schedule, calendar);
        var now = time.GetUtcNow();
        List<PlanAccount> read = [.. sizes.Where(s => s.Size is not null).Select(s => s.Size!)];
        var estimate = MigrationPlanner.Estimate(read, rate, new NodeCount(nodes.Nodes, job.File.Parallelism, nodes.Capacity), window, now);
        var needed = MigrationPlanner.Nodes(read, rate, job.File.Parallelism, nodes.Capacity, nodes.Windows, window, now);
        return new PlanOutcome(sizes, rate, estimate, nodes, needed);
    }
}

using Dxmig.Jobs.Common;
using Dxmig.Jobs.Planning;
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

    /// <summary>The job's name.</summary>
    public string Job { get; init; } = string.Empty;

    /// <summary>The job's kind.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The target the rate is looked up by (<see cref="PlanRates.TargetOf"/>).</summary>
    public string Target { get; init; } = string.Empty;

    /// <summary>Accounts at once per node (the job's <c>options.parallelism</c>).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Where the rate came from (file:line, the job's <c>plan:</c>, flags) and whether it is measured.</summary>
    public RateChoice? Choice { get; init; }

    /// <summary>The scale assumed instead of reading the source (<c>--assume-accounts</c>), or null.</summary>
    public AssumedSizes? Assumed { get; init; }

    /// <summary>Every account's time added up (one lane doing them all, fixed costs of the accounts included).</summary>
    public TimeSpan WorkSum => Estimate.Accounts.Aggregate(TimeSpan.Zero, (sum, a) => sum + a.Duration);
}

/// <summary>What <c>dxmig plan</c> is asked: the given rates, how sizes are read (or the scale assumed instead), the nodes, the rates files.</summary>
public sealed record PlanRequest(GivenThroughput Given, SizeRequest Sizes, NodePlan Nodes)
{
    public PlanRateFiles Rates { get; init; } = PlanRateFiles.None;

    /// <summary>A source of this scale instead of reading the job's source; null: read it.</summary>
    public AssumedSizes? Assumed { get; init; }
}

/// <summary>
/// <c>dxmig plan</c> for every kind that can size its source (<see cref="ISizedKind{TSettings}"/>): mailboxes by
/// messages and bytes, exports by rows and bytes, document folders by files and bytes; then the same night arithmetic
/// (<see cref="MigrationPlanner"/>) against the rate chosen for the job's kind and target (<see cref="PlanRates"/>), the
/// job's parallelism per node, one node's capacity and its run windows; and how many nodes finish it in a given number
/// of windows.
/// </summary>
public sealed class PlanService(TimeProvider time)
{
    /// <exception cref="Contracts.ConfigurationException">The job's kind cannot be sized.</exception>
    public Task<PlanOutcome> PlanAsync(
        IBoundJob job, ClosedDayCalendar calendar, GivenThroughput given, SizeRequest request, NodePlan nodes, CancellationToken cancellationToken) =>
        PlanAsync(job, calendar, new PlanRequest(given, request, nodes), cancellationToken);

    /// <exception cref="Contracts.ConfigurationException">The job's kind cannot be sized, or its <c>plan:</c> section has errors.</exception>
    public async Task<PlanOutcome> PlanAsync(IBoundJob job, ClosedDayCalendar calendar, PlanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(request);
        if (!job.CanPlan)
        {
            _ = job.RateOf(request.Given); // throws the kind's "cannot be sized"
        }

        var choice = PlanRates.Choose(job, request.Rates, request.Given);
        var rate = choice.Rate;
        var nodes = request.Nodes;
        if (!nodes.CapacityGiven && choice.NodeCapacity is { } named)
        {
            nodes = nodes with { Capacity = named };
        }

        var sizes = request.Assumed is { } assumed ? assumed.Build() : await job.ReadSizesAsync(request.Sizes, cancellationToken);
        var window = new RunWindow(job.File.Schedule, calendar);
        var now = time.GetUtcNow();
        List<PlanAccount> read = [.. sizes.Where(s => s.Size is not null).Select(s => s.Size!)];
        var estimate = MigrationPlanner.Estimate(read, rate, new NodeCount(nodes.Nodes, job.File.Parallelism, nodes.Capacity), window, now);
        var needed = MigrationPlanner.Nodes(read, rate, job.File.Parallelism, nodes.Capacity, nodes.Windows, window, now);
        return new PlanOutcome(sizes, rate, estimate, nodes, needed)
        {
            Job = job.File.Name,
            Kind = job.File.Kind,
            Target = PlanRates.TargetOf(job.File),
            Parallelism = job.File.Parallelism,
            Choice = choice,
            Assumed = request.Assumed,
        };
    }
}

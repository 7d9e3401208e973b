using Dxmig.Platform.Scheduling;

namespace Dxmig.Jobs;

/// <summary>
/// What <c>dxmig plan</c> is asked about nodes: the estimate is made for <paramref name="Nodes"/> nodes (each with the
/// job's parallelism, each moving at most <paramref name="Capacity"/>), and it says how many nodes finish the job in
/// <paramref name="Windows"/> windows.
/// </summary>
public sealed record NodePlan(int Nodes, int Windows, NodeCapacity Capacity)
{
    /// <summary>The capacity was given (<c>--node-capacity</c>): a rates file's figure for the kind does not replace it.</summary>
    public bool CapacityGiven { get; init; }

    /// <summary>One node, the nodes needed for one window, at the measured capacity.</summary>
    public static NodePlan Default { get; } = new(1, 1, NodeCapacity.Measured);
}

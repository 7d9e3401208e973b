using System.ComponentModel.DataAnnotations;

namespace Dxmig.Platform.Pipeline;

/// <summary>How one run goes: which accounts, how wide, how big the batches.</summary>
public sealed record RunSettings
{
    public const int DefaultParallelism = 4;
    public const int DefaultBatchSize = 200;
    public const int DefaultChannelCapacity = 1000;

    public required string Job { get; init; }

    /// <summary>The job's kind (<c>mail</c>, <c>staff</c>…), the <c>kind</c> tag of the run's metrics; null when not named.</summary>
    public string? Kind { get; init; }

    public required IReadOnlyList<string> Accounts { get; init; }

    /// <summary>Accounts processed at the same time.</summary>
    [Range(1, 256)]
    public int Parallelism { get; init; } = DefaultParallelism;

    /// <summary>Items per ledger transaction and loader call.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Items read ahead per account (back-pressure bound).</summary>
    [Range(1, 100_000)]
    public int ChannelCapacity { get; init; } = DefaultChannelCapacity;

    /// <summary>Read, transform and compare with the ledger, but write nothing to the target or to the item ledger.</summary>
    public bool DryRun { get; init; }

    /// <summary>How long a batch waits to fill before it goes as it is.</summary>
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>How often the run's lease is refreshed.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>This process's node name in a cluster run (<c>--node</c>, <c>DXMIG_NODE</c>; the host name by default).</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>Only join an open cluster run; start none (a serve node lending a hand).</summary>
    public bool JoinOnly { get; init; }

    /// <summary>Cluster runs: an account whose holder has not heartbeaten for this long is taken over by another node.</summary>
    public TimeSpan LeaseTimeout { get; init; } = DefaultLeaseTimeout;

    /// <summary>Cluster runs: how often a node confirms its accounts (a third of the lease timeout or less).</summary>
    public TimeSpan ClusterHeartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Cluster runs: how often an idle node looks for accounts to take (waiting, or left by a dead node).</summary>
    public TimeSpan ClaimPoll { get; init; } = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DefaultLeaseTimeout = TimeSpan.FromSeconds(30);
}

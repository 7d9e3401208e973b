using System.ComponentModel.DataAnnotations;

namespace Dxmig.Platform.Pipeline;

/// <summary>How one run goes: which accounts, how wide, how big the batches.</summary>
public sealed record RunSettings
{
    public const int DefaultParallelism = 4;
    public const int DefaultBatchSize = 200;
    public const int DefaultChannelCapacity = 1000;

    public required string Job { get; init; }

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
}

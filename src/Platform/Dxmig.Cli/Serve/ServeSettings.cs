using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;

namespace Dxmig.Cli.Serve;

/// <summary>What <c>dxmig serve</c> runs with. Everything a test replaces (time, calendar, runner) comes in here.</summary>
internal sealed class ServeSettings
{
    /// <summary>How long the job folder must be quiet before its files are read again (editors write in several steps).</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(750);

    /// <summary>How often a clustered node records that it is alive (Quartz clusterCheckinInterval).</summary>
    public static readonly TimeSpan DefaultCheckinInterval = TimeSpan.FromSeconds(10);

    /// <summary>How long past a missed check-in the others wait before taking a node's work over.</summary>
    public static readonly TimeSpan DefaultCheckinMisfireThreshold = TimeSpan.FromSeconds(20);

    /// <summary>A fire this late is a misfire (then: run once now if the window is still open).</summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromMinutes(1);

    public required string JobsDirectory { get; init; }

    public required StoreLocation Store { get; init; }

    /// <summary>This node's Quartz instance id: unique within the cluster.</summary>
    public required string Node { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public required IClosedDays ClosedDays { get; init; }

    public required IServeRunner Runner { get; init; }

    public TimeSpan Debounce { get; init; } = DefaultDebounce;

    public TimeSpan CheckinInterval { get; init; } = DefaultCheckinInterval;

    public TimeSpan CheckinMisfireThreshold { get; init; } = DefaultCheckinMisfireThreshold;

    /// <summary>Jobs that may run at once on this node (each job itself runs one at a time).</summary>
    public int MaxConcurrentJobs { get; init; } = 4;

    public bool Clustered => Store.Provider == StoreProvider.PostgreSql;
}

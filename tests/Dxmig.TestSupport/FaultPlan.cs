namespace Dxmig.TestSupport;

/// <summary>What <see cref="FaultProxy"/> does to each new connection. Every choice comes from a random generator seeded
/// with <see cref="Seed"/> and the connection's number, so the same plan on the same traffic injects the same faults.</summary>
public sealed record FaultPlan
{
    /// <summary>Forward everything unchanged.</summary>
    public static FaultPlan None { get; } = new();

    public int Seed { get; init; } = 1;

    /// <summary>Chance that a connection is cut (both sockets aborted with RST) at a byte offset in one direction.</summary>
    public double DropProbability { get; init; }

    /// <summary>The smallest byte offset (in the chosen direction) a drop happens at; offsets are drawn log-uniformly between this and <see cref="DropMaxOffset"/>.</summary>
    public long DropMinOffset { get; init; }

    /// <summary>The largest byte offset a drop happens at; a connection that carries fewer bytes is not cut.</summary>
    public long DropMaxOffset { get; init; } = 1_000_000;

    public FaultDirection DropDirection { get; init; } = FaultDirection.Either;

    /// <summary>At most this many drops over the proxy's life (so a re-run eventually gets through); null: no limit.</summary>
    public int? MaxDrops { get; init; }

    /// <summary>Chance that a connection stops forwarding for <see cref="StallDuration"/> at a byte offset.</summary>
    public double StallProbability { get; init; }

    /// <summary>The largest byte offset a stall happens at (drawn log-uniformly from 100 bytes up).</summary>
    public long StallMaxOffset { get; init; } = 100_000;

    public TimeSpan StallDuration { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A cap on each direction of every connection (bytes per second); null: no cap.</summary>
    public long? BytesPerSecond { get; init; }
}

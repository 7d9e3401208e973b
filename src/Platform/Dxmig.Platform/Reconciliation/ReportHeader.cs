namespace Dxmig.Platform.Reconciliation;

/// <summary>What a report says about the reconciliation as a whole.</summary>
public sealed record ReportHeader
{
    public required string Job { get; init; }

    public required string Kind { get; init; }

    /// <summary>The run it follows (after-run), or the latest run of the job (on demand); null when the job never ran.</summary>
    public string? RunId { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required DateTimeOffset Ended { get; init; }

    public bool Deep { get; init; }

    public required string Source { get; init; }

    public required string Target { get; init; }

    public required IReadOnlyList<string> Compared { get; init; }

    /// <summary>Requests sent to the source and target.</summary>
    public long Requests { get; init; }

    /// <summary>Bytes the run loaded, per batch, in time order (the chart "bytes moved over the run").</summary>
    public IReadOnlyList<(DateTime Utc, long Items, long Bytes)> Timeline { get; init; } = [];
}

namespace Dxmig.GraphEmulator;

/// <summary>What an injected fault does.</summary>
public enum FaultKind
{
    /// <summary>503 serviceNotAvailable before the request is processed.</summary>
    ServiceUnavailable,

    /// <summary>504 before the request is processed.</summary>
    GatewayTimeout,

    /// <summary>The request is processed (and stored), then the client gets 504: the ambiguous outcome.</summary>
    GatewayTimeoutAfterProcessing,

    /// <summary>The response is held back for <see cref="FaultRule.Delay"/> while the request keeps its mailbox slot.</summary>
    Delay,

    /// <summary>The connection is aborted before the request is processed.</summary>
    DropConnection,

    /// <summary>The request is processed and stored, then the connection is aborted instead of answering.</summary>
    LoseResponse,
}

/// <summary>A fault to inject into matching requests. Matching is by method, a regular expression over the path after
/// <c>/v1.0</c> (for example <c>^/users/[^/]+/messages$</c>; a $batch item matches by its own url, the batch itself by
/// <c>/$batch</c>) and the mailbox's UPN; then by <see cref="Probability"/> (drawn from the seeded generator) and at most
/// <see cref="Count"/> times. Connection faults apply to whole HTTP requests only, never to single batch items.</summary>
public sealed record FaultRule(FaultKind Kind)
{
    /// <summary>HTTP method, null for any.</summary>
    public string? Method { get; init; }

    /// <summary>Regular expression over the path (case-insensitive), null for any.</summary>
    public string? PathPattern { get; init; }

    /// <summary>Mailbox UPN (case-insensitive), null for any.</summary>
    public string? Mailbox { get; init; }

    /// <summary>Chance of firing for a matching request, 0..1.</summary>
    public double Probability { get; init; } = 1.0;

    /// <summary>Fire for the next N matching requests only; null for no limit.</summary>
    public int? Count { get; init; }

    /// <summary>How long a <see cref="FaultKind.Delay"/> holds the response.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);
}

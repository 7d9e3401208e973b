using System.Text.Json;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// One Graph request dxmig wants done: method, path relative to the base URL (<c>/users/{id}/messages</c>) and a JSON
/// body. <see cref="Idempotent"/>: sending it twice does no harm (GET, PATCH, DELETE); a create is not, so a create
/// whose answer was lost is handed back <see cref="GraphOutcomeKind.InDoubt"/> for the caller to look up before it is
/// sent again.
/// </summary>
public sealed record GraphOperation(string Method, string Path, ReadOnlyMemory<byte> Body = default)
{
    public bool Idempotent => Method != "POST";

    /// <summary>The body's media type: JSON unless raw bytes (a file's content), which are sent alone, never in a <c>$batch</c>.</summary>
    public string ContentType { get; init; } = "application/json";

    public bool IsJson => ContentType == "application/json";

    /// <summary>Bytes this request adds to a <c>$batch</c> body (its JSON plus the envelope).</summary>
    public int BatchBytes => Body.Length + Path.Length + 128;
}

public enum GraphOutcomeKind
{
    /// <summary>2xx: done; <see cref="GraphOutcome.Body"/> holds the answer.</summary>
    Done,

    /// <summary>4xx other than 429 (and 404 for a DELETE, which counts as done): Graph refused it; do not send it again.</summary>
    Refused,

    /// <summary>A create whose answer never came (5xx, timeout, dropped connection): it may have happened.</summary>
    InDoubt,
}

/// <summary>What became of one <see cref="GraphOperation"/>.</summary>
public sealed record GraphOutcome(GraphOutcomeKind Kind, int Status, JsonElement Body, string? ErrorCode = null, string? ErrorMessage = null)
{
    public bool IsDone => Kind == GraphOutcomeKind.Done;

    /// <summary>A property of the answer's JSON, or null.</summary>
    public string? Property(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Graph's reason, for a quarantine entry.</summary>
    public string Reason => $"HTTP {Status} {ErrorCode}: {ErrorMessage}".Trim();

    public static GraphOutcome FromJson(GraphOutcomeKind kind, int status, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
            return new GraphOutcome(kind, status, element, code, message);
        }

        return new GraphOutcome(kind, status, element);
    }
}

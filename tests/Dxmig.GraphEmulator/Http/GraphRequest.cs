namespace Dxmig.GraphEmulator.Http;

/// <summary>One Graph call, whether it came as an HTTP request or as an item of a $batch.</summary>
internal sealed class GraphRequest
{
    public required string Method { get; init; }

    /// <summary>Decoded path after <c>/v1.0</c>, starting with '/'.</summary>
    public required string Path { get; init; }

    /// <summary>Query options, decoded; keys compared case-insensitively.</summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }

    /// <summary>Request headers, case-insensitive.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required byte[] Body { get; init; }

    public required string RequestId { get; init; }

    public string? ClientRequestId => Headers.TryGetValue("client-request-id", out var v) ? v : null;

    public string? ContentType => Headers.TryGetValue("Content-Type", out var v) ? v : null;

    /// <summary>True when it came to an uploadUrl (its own token, no bearer).</summary>
    public bool ViaUploadUrl { get; init; }

    /// <summary>The application permissions of the bearer token (a $batch item: its batch's); null: every one.</summary>
    public IReadOnlySet<string>? Roles { get; set; }

    /// <summary>True for an item of a $batch.</summary>
    public bool InBatch { get; init; }

    public string? QueryValue(string name) => Query.TryGetValue(name, out var v) ? v : null;
}

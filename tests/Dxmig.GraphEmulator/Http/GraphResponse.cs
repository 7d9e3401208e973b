using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Http;

/// <summary>A handler's answer: JSON, raw bytes, or nothing; or the instruction to abort the connection.</summary>
internal sealed class GraphResponse
{
    public GraphResponse(int status)
    {
        Status = status;
    }

    public int Status { get; }

    public JsonNode? Json { get; init; }

    public byte[]? Bytes { get; init; }

    public string? ContentType { get; init; }

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Abort the HTTP connection instead of answering (injected connection faults).</summary>
    public bool Abort { get; init; }

    public bool IsSuccess => Status is >= 200 and < 300;

    public static GraphResponse Ok(JsonNode json) => new(200) { Json = json };

    public static GraphResponse Created(JsonNode json) => new(201) { Json = json };

    public static GraphResponse NoContent() => new(204);
}

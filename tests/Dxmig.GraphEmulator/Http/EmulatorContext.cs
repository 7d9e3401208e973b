namespace Dxmig.GraphEmulator.Http;

/// <summary>The services handlers share.</summary>
internal sealed class EmulatorContext
{
    public required EmulatorStore Store { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>https://127.0.0.1:PORT (no trailing slash), known once Kestrel listens.</summary>
    public string Origin { get; set; } = "";

    public string GraphBase => Origin + "/v1.0";

    public required TimeSpan UploadSessionLifetime { get; init; }

    /// <summary>Exchange's message size limit (attachments counted as their base64 MIME size).</summary>
    public required long MaxMessageBytes { get; init; }
}

namespace Dxmig.GraphEmulator.Store;

/// <summary>An attachment upload session: where the bytes go, how many came, until when.</summary>
internal sealed class UploadSessionEntity
{
    public required string Id { get; init; }

    /// <summary>The uploadUrl's own token (query parameter), compared in constant time.</summary>
    public required string Token { get; init; }

    public required MailboxEntity Mailbox { get; init; }

    public required string MessageId { get; set; }

    public required string Name { get; init; }

    public required string ContentType { get; init; }

    public required bool IsInline { get; init; }

    public string? ContentId { get; init; }

    public required long Size { get; init; }

    public required DateTimeOffset Expires { get; init; }

    public byte[]? Buffer { get; set; }

    public long Received { get; set; }

    public Lock Gate { get; } = new();
}

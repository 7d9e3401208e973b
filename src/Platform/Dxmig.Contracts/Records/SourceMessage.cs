namespace Dxmig.Contracts.Records;

/// <summary>
/// One message as the source IMAP server holds it: where (folder path and role), its UID, flags, keywords, internal
/// date and size, its Message-ID when it has one, and its bytes (absent for a flags-only change or a removal).
/// Disposing releases the bytes.
/// </summary>
public sealed record SourceMessage : IDisposable
{
    public required string Folder { get; init; }

    /// <summary>The folder path split at the source's hierarchy separator.</summary>
    public required IReadOnlyList<string> FolderPath { get; init; }

    public MailFolderRole Role { get; init; }

    public required uint UidValidity { get; init; }

    public required uint Uid { get; init; }

    /// <summary>System flags (<c>\Seen</c>, <c>\Answered</c>, <c>\Flagged</c>, <c>\Draft</c>, <c>\Deleted</c>).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>Keywords (<c>$Label1</c>, <c>$MDNSent</c>, <c>NonJunk</c>…), kept exactly.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];

    public DateTimeOffset? InternalDate { get; init; }

    public long Size { get; init; }

    public string? MessageId { get; init; }

    public MailChange Change { get; init; }

    /// <summary>For <see cref="MailChange.Move"/>: the target key of the message at its old place; for <see cref="MailChange.MovedAway"/>: the folder it went to.</summary>
    public string? MovedFrom { get; init; }

    /// <summary>SHA-256 of the bytes (for a flags-only change: as the ledger recorded it).</summary>
    public required string BodySha256 { get; init; }

    public MessageContent? Content { get; init; }

    /// <summary>The header block, kept only when it holds raw 8-bit bytes (for targets that need them repaired).</summary>
    public byte[]? EightBitHeader { get; init; }

    public void Dispose() => Content?.Dispose();
}

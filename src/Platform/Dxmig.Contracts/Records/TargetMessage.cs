namespace Dxmig.Contracts.Records;

/// <summary>
/// Where and how a message goes: the target mailbox, folder path and role, flags, keywords and internal date, and
/// the untouched source bytes. Built by the mail transformer; read by the IMAP and Graph loaders.
/// </summary>
public sealed record TargetMessage
{
    /// <summary>The target mailbox (login or UPN) from the identity map.</summary>
    public required string TargetAccount { get; init; }

    public required IReadOnlyList<string> FolderPath { get; init; }

    public MailFolderRole Role { get; init; }

    public IReadOnlyList<string> Flags { get; init; } = [];

    public IReadOnlyList<string> Keywords { get; init; } = [];

    public DateTimeOffset? InternalDate { get; init; }

    public string? MessageId { get; init; }

    public required string BodySha256 { get; init; }

    public long Size { get; init; }

    public MailChange Change { get; init; }

    /// <summary>For <see cref="MailChange.Move"/>: the target key of the message at its old place; for <see cref="MailChange.MovedAway"/>: the folder it went to.</summary>
    public string? MovedFrom { get; init; }

    /// <summary>The source bytes (null for a flags-only change or a removal).</summary>
    public MessageContent? Content { get; init; }

    /// <summary>What the transformer changed (a folder name, repaired headers), for the ledger.</summary>
    public string? FolderNote { get; init; }

    /// <summary>A repaired header block that replaces the first <see cref="BodyOffset"/> bytes of the content; null: bytes as they are.</summary>
    public byte[]? HeaderOverride { get; init; }

    public long BodyOffset { get; init; }

    /// <summary>How many bytes go to the target.</summary>
    public long TargetLength => HeaderOverride is null ? Content?.Length ?? 0 : HeaderOverride.Length + ((Content?.Length ?? 0) - BodyOffset);

    /// <summary>The bytes that go to the target: the content, or the repaired header followed by the original body.</summary>
    public Stream OpenTargetStream()
    {
        var content = Content ?? throw new InvalidOperationException("no content");
        if (HeaderOverride is null)
        {
            return content.OpenRead();
        }

        var body = content.OpenRead();
        body.Seek(BodyOffset, SeekOrigin.Begin);
        return new ConcatenatedStream(new MemoryStream(HeaderOverride, writable: false), body);
    }
}

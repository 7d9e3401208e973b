namespace Dxmig.Platform.Records;

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

    /// <summary>The source bytes (null for a flags-only change or a removal).</summary>
    public MessageContent? Content { get; init; }

    /// <summary>What the transformer changed in the folder name, if anything ("rule:… 'a/b' → 'a_b'"), for the record.</summary>
    public string? FolderNote { get; init; }
}

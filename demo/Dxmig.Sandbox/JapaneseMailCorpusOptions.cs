namespace Dxmig.Sandbox;

/// <summary>
/// How big a <see cref="JapaneseMailCorpus"/> is and how it is appended. The same options and seed give the same
/// bytes, flags and dates on every run.
/// </summary>
public sealed record JapaneseMailCorpusOptions
{
    public int Seed { get; init; } = 20250331;

    /// <summary>
    /// Messages per mailbox, the special cases included (when <see cref="IncludeSpecialCases"/>); the rest are
    /// ordinary messages with sizes from <see cref="Sizes"/>.
    /// </summary>
    public int MessagesPerMailbox { get; init; } = 40;

    /// <summary>Whether every mailbox gets one of each hard case (broken MIME, raw 8-bit headers, ...).</summary>
    public bool IncludeSpecialCases { get; init; } = true;

    public MessageSizeDistribution Sizes { get; init; } = MessageSizeDistribution.Small;

    /// <summary>Raw sizes of the attachments of the special attachment message (one attachment each).</summary>
    public IReadOnlyList<int> AttachmentSizes { get; init; } = [6 * 1024, 48 * 1024];

    /// <summary>At most this many messages per MULTIAPPEND command.</summary>
    public int AppendBatchSize { get; init; } = 100;

    /// <summary>A MULTIAPPEND batch is sent once it holds this many bytes.</summary>
    public long AppendBatchBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Mailboxes filled at the same time, one IMAP connection each.</summary>
    public int MaxParallelMailboxes { get; init; } = 4;
}

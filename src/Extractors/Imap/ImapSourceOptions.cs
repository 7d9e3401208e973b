using Dxmig.Imap;

namespace Dxmig.Extractors.Imap;

/// <summary>How to read mailboxes from the source IMAP server. Every default is a named constant here, the one place it is written.</summary>
public sealed record ImapSourceOptions
{
    public const int DefaultFetchBatch = 100;

    public const DeletionPolicy DefaultDeletions = DeletionPolicy.Keep;

    public const double DefaultDeletionThresholdPercent = MailDeletionGuard.DefaultMaxPercent;

    public required ImapEndpoint Endpoint { get; init; }

    public IReadOnlyList<FolderSkipRule> SkipFolders { get; init; } = [];

    /// <summary>Messages larger than this are skipped by the rule <c>max-size</c>.</summary>
    public long? MaxMessageSize { get; init; }

    /// <summary>
    /// The most the target takes (Graph's limit, or the IMAP target's configured one). A new message whose source size is
    /// over it is quarantined <c>too-large-for-target</c> from its metadata alone, without fetching a body that could
    /// never be written (a 200 MB message would otherwise be read in full first).
    /// </summary>
    public long? TargetMaxMessageSize { get; init; }

    /// <summary>Messages whose internal date is before this are skipped by the rule <c>max-age</c>.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    public DeletionPolicy Deletions { get; init; } = DefaultDeletions;

    /// <summary>
    /// With <see cref="DeletionPolicy.Mirror"/>: hold back (and warn) when more than this percentage of a folder would be
    /// deleted in one run. Used only when <see cref="Guard"/> is not given.
    /// </summary>
    public double DeletionThresholdPercent { get; init; } = DefaultDeletionThresholdPercent;

    /// <summary>The run's deletion guard, shared by its accounts (count, percentage, confirmed list, what it held back).</summary>
    public MailDeletionGuard? Guard { get; init; }

    /// <summary>Messages per FETCH of bodies.</summary>
    public int FetchBatch { get; init; } = DefaultFetchBatch;

    /// <summary>Where bodies larger than <see cref="Contracts.Records.MessageContent.MemoryLimit"/> are held until loaded.</summary>
    public required string TemporaryFolder { get; init; }

    /// <summary>Bytes of bodies that may sit in memory at once across the run's accounts; the rest goes to temporary files.</summary>
    public Contracts.Records.MemoryBudget Memory { get; init; } = new(Contracts.Records.MemoryBudget.DefaultCapacity);
}

using Dxmig.Imap;

namespace Dxmig.Loaders.Imap;

/// <summary>How to write to the target IMAP server. Every default is a named constant here, the one place it is written.</summary>
public sealed record ImapTargetOptions
{
    public const int DefaultAppendBatch = 50;

    public const long DefaultAppendBatchBytes = 16 * 1024 * 1024;

    public const string DefaultSeparatorReplacement = "_";

    public required ImapEndpoint Endpoint { get; init; }

    /// <summary>Messages per MULTIAPPEND command.</summary>
    public int AppendBatch { get; init; } = DefaultAppendBatch;

    /// <summary>Bytes per MULTIAPPEND command.</summary>
    public long AppendBatchBytes { get; init; } = DefaultAppendBatchBytes;

    /// <summary>What replaces the target's hierarchy separator inside one folder name.</summary>
    public string SeparatorReplacement { get; init; } = DefaultSeparatorReplacement;

    /// <summary>
    /// The target drops <c>\Flagged</c> from APPEND (Exchange Online does): flagged messages are flagged with STORE after
    /// they are appended, and the flag is read back.
    /// </summary>
    public bool FlaggedByStore { get; init; }

    /// <summary>
    /// The keywords the target keeps (Exchange Online: <c>$MDNSent</c> only, its PERMANENTFLAGS; it refuses a STORE of
    /// another); others are not sent and are named in the ledger note. Null: every keyword is sent.
    /// </summary>
    public IReadOnlyList<string>? KeptKeywords { get; init; }

    /// <summary>How many "Suggested Backoff Time" answers one batch waits out before the account is given up.</summary>
    public int MaxThrottleWaits { get; init; } = 30;

    /// <summary>A connection whose token expires within this time is opened again with a fresh token before a batch.</summary>
    public TimeSpan TokenRenewalMargin { get; init; } = TimeSpan.FromMinutes(5);
}

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
}

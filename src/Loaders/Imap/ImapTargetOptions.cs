using Dxmig.Imap;

namespace Dxmig.Loaders.Imap;

/// <summary>How to write to the target IMAP server.</summary>
public sealed record ImapTargetOptions
{
    public required ImapEndpoint Endpoint { get; init; }

    /// <summary>Messages per MULTIAPPEND command.</summary>
    public int AppendBatch { get; init; } = 50;

    /// <summary>Bytes per MULTIAPPEND command.</summary>
    public long AppendBatchBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>What replaces the target's hierarchy separator inside one folder name.</summary>
    public string SeparatorReplacement { get; init; } = "_";
}

namespace Dxmig.Transformers.Mail;

/// <summary>Mail routing settings of one job.</summary>
public sealed record MailTransformerOptions
{
    /// <summary>Messages larger than this are quarantined as too large for the target (null: no limit).</summary>
    public long? MaxTargetMessageSize { get; init; }

    /// <summary>Rewrite raw 8-bit header fields as RFC 2047 encoded-words (for targets that refuse them, such as Exchange).</summary>
    public bool Repair8BitHeaders { get; init; }

    /// <summary>
    /// The target reserves some top-level folder names (Exchange Online: <c>Files</c>): a source folder with such a
    /// name gets the replacement character after it, noted in the ledger.
    /// </summary>
    public bool RenameReserved { get; init; }
}

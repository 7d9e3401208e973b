namespace Dxmig.Transformers.Mail;

/// <summary>Mail routing settings of one job.</summary>
public sealed record MailTransformerOptions
{
    /// <summary>Messages larger than this are quarantined as too large for the target (null: no limit).</summary>
    public long? MaxTargetMessageSize { get; init; }
}

namespace Dxmig.GraphEmulator.Store;

/// <summary>A stored message: the Graph properties the client set (as received, validated), the server-set ones,
/// extended properties and attachments.</summary>
internal sealed class MessageEntity(string id, long sequence) : ItemEntity(id, sequence)
{
    /// <summary>Decided at creation only (PR_MESSAGE_FLAGS without MSGFLAG_UNSENT, or MIME: always a draft).</summary>
    public required bool IsDraft { get; init; }

    public required DateTimeOffset Received { get; set; }

    public required DateTimeOffset Sent { get; set; }

    /// <summary>Parsed from PR_TRANSPORT_MESSAGE_HEADERS and the x- headers given at creation.</summary>
    public List<KeyValuePair<string, string>> Headers { get; init; } = [];

    public List<AttachmentEntity> Attachments { get; } = [];

    /// <summary>The MIME bytes when the message was created from MIME.</summary>
    public byte[]? Mime { get; init; }

    public bool IsRead => Properties["isRead"]?.GetValue<bool>() ?? false;
}

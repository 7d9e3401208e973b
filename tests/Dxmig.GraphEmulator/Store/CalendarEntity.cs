namespace Dxmig.GraphEmulator.Store;

/// <summary>A mailbox's default calendar: its events, the transactionIds of live events, and whether the mailbox is a
/// room (with its display name). Guarded by the mailbox's lock.</summary>
internal sealed class CalendarEntity
{
    public string Id { get; } = MailboxEntity.NewId("AAMkA");

    public Dictionary<string, EventEntity> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>transactionId → event id.</summary>
    public Dictionary<string, string> TransactionIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The room's display name when the mailbox is a room mailbox, else null.</summary>
    public string? RoomName { get; set; }
}

/// <summary>A stored event; <see cref="CreateBody"/> is the create request's body (canonical JSON), for transactionId replays.</summary>
internal sealed class EventEntity(string id, long sequence) : ItemEntity(id, sequence)
{
    public string? TransactionId { get; init; }

    public required string CreateBody { get; init; }
}

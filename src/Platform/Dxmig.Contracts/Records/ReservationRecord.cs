namespace Dxmig.Contracts.Records;

/// <summary>
/// A facility reservation ready to load: the facility resolved in the facility table (name, room mailbox), the reserver
/// resolved through the identity map, the event in Asia/Tokyo on the room's calendar. A removal carries the id alone.
/// </summary>
public sealed record ReservationRecord : ICalendarItem
{
    public required string ReservationId { get; init; }

    public required string FacilityCode { get; init; }

    public string FacilityName { get; init; } = string.Empty;

    public required string RoomAddress { get; init; }

    public required string ReserverId { get; init; }

    public required string ReserverUpn { get; init; }

    public required CalendarEvent Appointment { get; init; }

    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }

    public required ReservationEntry Original { get; init; }

    public string SourceId => ReservationId;

    public IReadOnlyList<string> Calendars => RoomAddress.Length == 0 ? [] : [RoomAddress];
}

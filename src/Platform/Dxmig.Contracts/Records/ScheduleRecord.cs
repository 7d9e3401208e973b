namespace Dxmig.Contracts.Records;

/// <summary>
/// A schedule ready to load: the owner and participants resolved to their Entra ID users (UPN) through the identity map,
/// the event in Asia/Tokyo with its recurrence mapped, the export's text kept in <see cref="Original"/>.
/// A removal carries the schedule id alone.
/// </summary>
public sealed record ScheduleRecord : ICalendarItem
{
    public required string ScheduleId { get; init; }

    public required string OwnerId { get; init; }

    public required string OwnerUpn { get; init; }

    /// <summary>Owner first, then the participants (distinct, case-insensitive).</summary>
    public required IReadOnlyList<string> Calendars { get; init; }

    /// <summary>Participants' employee ids, normalised, <c>;</c>-separated.</summary>
    public string ParticipantIds { get; init; } = string.Empty;

    public required CalendarEvent Appointment { get; init; }

    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }

    public required ScheduleEntry Original { get; init; }

    public string SourceId => ScheduleId;
}

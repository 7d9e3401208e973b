namespace Dxmig.Contracts.Records;

/// <summary>
/// A calendar event ready for any target: times are wall-clock times in Asia/Tokyo (<see cref="DateTimeKind.Unspecified"/>);
/// an all-day event runs from midnight to midnight; <see cref="Private"/> maps to Graph's sensitivity <c>private</c>.
/// </summary>
public sealed record CalendarEvent
{
    public const string TimeZone = "Tokyo Standard Time";

    public required string Subject { get; init; }

    public string Body { get; init; } = string.Empty;

    public string? Location { get; init; }

    public required DateTime Start { get; init; }

    public required DateTime End { get; init; }

    public bool AllDay { get; init; }

    public EventRecurrence? Recurrence { get; init; }

    public bool Private { get; init; }
}

/// <summary>The pattern kinds Graph's <c>recurrencePattern.type</c> takes.</summary>
public enum RecurrenceKind
{
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
    RelativeYearly,
}

/// <summary>
/// How an event repeats, in the shape of Graph's <c>patternedRecurrence</c>: the pattern (kind, interval, the days of
/// the week, the day of the month, the week index <c>first…last</c>, the month) and the range (from
/// <see cref="StartDate"/> until <see cref="EndDate"/>, for <see cref="Occurrences"/> times, or without end).
/// </summary>
public sealed record EventRecurrence
{
    public required RecurrenceKind Kind { get; init; }

    public int Interval { get; init; } = 1;

    public IReadOnlyList<DayOfWeek> DaysOfWeek { get; init; } = [];

    public int DayOfMonth { get; init; }

    /// <summary>first, second, third, fourth or last (relative patterns).</summary>
    public string? Index { get; init; }

    public int Month { get; init; }

    public required DateOnly StartDate { get; init; }

    public DateOnly? EndDate { get; init; }

    public int Occurrences { get; init; }

    /// <summary>Graph's range type: endDate, numbered or noEnd.</summary>
    public string RangeType => EndDate is not null ? "endDate" : Occurrences > 0 ? "numbered" : "noEnd";

    /// <summary>A short canonical text (for the platform store and reports): <c>weekly/1/monday,wednesday//…</c>.</summary>
    public override string ToString() =>
        string.Join('/', Kind.ToString(), Interval, string.Join(',', DaysOfWeek), DayOfMonth, Index, Month, StartDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            EndDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Occurrences);
}

/// <summary>A record that becomes one copy of an event on each of its calendars (mailbox addresses).</summary>
public interface ICalendarItem
{
    /// <summary>The natural key in the source (予定 ID, 予約 ID).</summary>
    string SourceId { get; }

    /// <summary>The mailboxes whose calendars get a copy: owner and participants, or the room.</summary>
    IReadOnlyList<string> Calendars { get; }

    CalendarEvent Appointment { get; }

    string ContentHash { get; }

    string SourceLocation { get; }
}

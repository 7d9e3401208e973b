using Dxmig.Platform.Jobs;
using Quartz;
using Quartz.Impl.Calendar;

namespace Dxmig.Platform.Scheduling;

/// <summary>
/// A Quartz calendar over <see cref="IClosedDays"/>, judged on the day in the calendar's time zone (Asia/Tokyo by
/// default): <c>closed-days</c> lets a trigger fire only on closed days ("every closed day at 08:00"),
/// <c>working-days</c> only on working days ("every working night at 20:00"). A base calendar, when set, must include
/// the time too.
/// </summary>
/// <remarks>
/// It holds the <see cref="IClosedDays"/> object itself, so it is meant for the in-memory job store or to be added
/// again at every start; Quartz's JSON job store cannot serialise it.
/// </remarks>
public sealed class ClosedDaysQuartzCalendar : BaseCalendar
{
    /// <summary>How far <see cref="GetNextIncludedTimeUtc"/> looks ahead before it says no day is included.</summary>
    private const int LookAheadDays = 400;

    private readonly IClosedDays closedDays;

    /// <param name="closedDays">Which days are closed.</param>
    /// <param name="onClosedDays">True: fire only on closed days; false: only on working days.</param>
    /// <param name="zone">The zone whose calendar day counts (Asia/Tokyo when null).</param>
    public ClosedDaysQuartzCalendar(IClosedDays closedDays, bool onClosedDays, TimeZoneInfo? zone = null)
        : base(zone ?? TimeZoneInfo.FindSystemTimeZoneById(ScheduleSpec.DefaultTimeZone))
    {
        ArgumentNullException.ThrowIfNull(closedDays);
        this.closedDays = closedDays;
        OnClosedDays = onClosedDays;
        Description = onClosedDays ? "closed-days: 閉庁日のみ / closed days only" : "working-days: 開庁日のみ / working days only";
    }

    /// <summary>True: includes closed days only; false: working days only.</summary>
    public bool OnClosedDays { get; }

    /// <summary>
    /// The calendar for a schedule's <c>calendar:</c> word: null for <c>every-day</c> (no calendar needed), or one
    /// for <c>closed-days</c> / <c>working-days</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The word is not one of <see cref="ScheduleSpec.Calendars"/>.</exception>
    public static ClosedDaysQuartzCalendar? For(string calendar, IClosedDays closedDays, TimeZoneInfo? zone = null) => calendar switch
    {
        "every-day" => null,
        "closed-days" => new ClosedDaysQuartzCalendar(closedDays, onClosedDays: true, zone),
        "working-days" => new ClosedDaysQuartzCalendar(closedDays, onClosedDays: false, zone),
        _ => throw new ArgumentException($"unknown calendar '{calendar}'; known: {string.Join(", ", ScheduleSpec.Calendars)}", nameof(calendar)),
    };

    /// <inheritdoc />
    public override bool IsTimeIncluded(DateTimeOffset timeStampUtc) => base.IsTimeIncluded(timeStampUtc) && DayIncluded(DayOf(timeStampUtc));

    /// <inheritdoc />
    public override DateTimeOffset GetNextIncludedTimeUtc(DateTimeOffset timeUtc)
    {
        var next = base.GetNextIncludedTimeUtc(timeUtc);
        for (var i = 0; i < LookAheadDays; i++)
        {
            if (IsTimeIncluded(next))
            {
                return next;
            }

            // The start of the next day in the calendar's zone.
            var day = DayOf(next).AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
            next = new DateTimeOffset(day, TimeZone.GetUtcOffset(day)).ToUniversalTime();
        }

        return default;
    }

    /// <inheritdoc />
    public override ICalendar Clone() => new ClosedDaysQuartzCalendar(closedDays, OnClosedDays, TimeZone)
    {
        Description = Description,
        CalendarBase = CalendarBase?.Clone(),
    };

    private DateOnly DayOf(DateTimeOffset time) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, TimeZone).DateTime);

    private bool DayIncluded(DateOnly day) => closedDays.IsClosed(day, out _) == OnClosedDays;
}

using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Scheduling;

/// <summary>
/// When a job may run, in its time zone: a daily window such as 20:00–07:00 (crossing midnight when the end is not after
/// the start) on the days its calendar allows (every day, working days, or closed days), or — on the closed-days
/// calendar with no times — whole closed days, consecutive ones joined (a weekend is one window from Saturday 00:00 to
/// Monday 00:00). No schedule, or every-day without times: always open. A window belongs to the day it opens on.
/// </summary>
public sealed class RunWindow
{
    private readonly string calendar;
    private readonly TimeOnly? start;
    private readonly TimeOnly? end;
    private readonly TimeZoneInfo zone;
    private readonly IClosedDays closedDays;

    public RunWindow(ScheduleSpec? schedule, IClosedDays closedDays)
    {
        ArgumentNullException.ThrowIfNull(closedDays);
        calendar = schedule?.Calendar ?? "every-day";
        start = schedule?.WindowStart;
        end = schedule?.WindowEnd;
        zone = TimeZoneInfo.FindSystemTimeZoneById(schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone);
        this.closedDays = closedDays;
    }

    /// <summary>True when the job may run at any time.</summary>
    public bool Always => start is null && calendar == "every-day";

    /// <summary>The open window around <paramref name="now"/>, or null when it is closed then.</summary>
    public (DateTimeOffset Opens, DateTimeOffset Closes)? Current(DateTimeOffset now)
    {
        if (Always)
        {
            return (DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        }

        var local = TimeZoneInfo.ConvertTime(now, zone);
        var today = DateOnly.FromDateTime(local.DateTime);
        // A window that crosses midnight may have opened yesterday.
        foreach (var day in new[] { today.AddDays(-1), today })
        {
            if (WindowOf(day) is { } window && window.Opens <= now && now < window.Closes)
            {
                return window;
            }
        }

        return null;
    }

    /// <summary>True when the job may run at <paramref name="now"/>.</summary>
    public bool IsOpen(DateTimeOffset now) => Current(now) is not null;

    /// <summary>When the window open at <paramref name="now"/> closes (<see cref="DateTimeOffset.MaxValue"/>: never), or null when closed.</summary>
    public DateTimeOffset? ClosesAt(DateTimeOffset now) => Current(now)?.Closes;

    /// <summary>The next moment the window opens at or after <paramref name="now"/> (looks a year ahead), or null.</summary>
    public DateTimeOffset? NextOpen(DateTimeOffset now)
    {
        if (IsOpen(now))
        {
            return now;
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        for (var day = today; day <= today.AddDays(370); day = day.AddDays(1))
        {
            if (WindowOf(day) is { } window && window.Opens >= now)
            {
                return window.Opens;
            }
        }

        return null;
    }

    private bool Allowed(DateOnly day) => calendar switch
    {
        "closed-days" => closedDays.IsClosed(day, out _),
        "working-days" => !closedDays.IsClosed(day, out _),
        _ => true,
    };

    /// <summary>The window that opens on <paramref name="day"/>, if that day allows one.</summary>
    private (DateTimeOffset Opens, DateTimeOffset Closes)? WindowOf(DateOnly day)
    {
        if (!Allowed(day))
        {
            return null;
        }

        if (start is { } s && end is { } e)
        {
            var opens = At(day, s);
            var closes = At(e > s ? day : day.AddDays(1), e);
            return (opens, closes);
        }

        if (start is null && calendar == "closed-days")
        {
            // Whole closed days, consecutive ones joined; opens at midnight unless the day before was closed too
            // (then the window opened earlier and this day is part of it).
            if (closedDays.IsClosed(day.AddDays(-1), out _))
            {
                var first = day.AddDays(-1);
                while (closedDays.IsClosed(first.AddDays(-1), out _))
                {
                    first = first.AddDays(-1);
                }

                return WindowOf(first);
            }

            var last = day;
            while (closedDays.IsClosed(last.AddDays(1), out _))
            {
                last = last.AddDays(1);
            }

            return (At(day, TimeOnly.MinValue), At(last.AddDays(1), TimeOnly.MinValue));
        }

        // working-days / every-day without times: the whole allowed day.
        return (At(day, TimeOnly.MinValue), At(day.AddDays(1), TimeOnly.MinValue));
    }

    private DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}

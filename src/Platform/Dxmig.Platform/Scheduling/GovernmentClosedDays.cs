namespace Dxmig.Platform.Scheduling;

/// <summary>
/// The closed days that need no holiday rules: Saturdays, Sundays and 29 Dec – 3 Jan. The stand-in until the public
/// holiday calendar is plugged in through <see cref="ClosedDays.Default"/>.
/// </summary>
public sealed class GovernmentClosedDays : IClosedDays
{
    public bool IsClosed(DateOnly day, out string? reason)
    {
        reason = (day.Month == 12 && day.Day >= 29) || (day.Month == 1 && day.Day <= 3) ? "年末年始"
            : day.DayOfWeek == DayOfWeek.Saturday ? "土曜"
            : day.DayOfWeek == DayOfWeek.Sunday ? "日曜"
            : null;
        return reason is not null;
    }
}

/// <summary>The calendar runs and the scheduler use.</summary>
public static class ClosedDays
{
    /// <summary>The closed-day calendar: government closed days (and the public holidays once their rules are in).</summary>
    public static IClosedDays Default { get; } = new GovernmentClosedDays();
}

using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Serve;

/// <summary>
/// Stand-in calendar until the Japanese closed-day calendar (issue 6, built alongside in Dxmig.Platform.Scheduling)
/// is wired into <see cref="ServeSettings.ClosedDays"/>: Saturdays, Sundays and 29 Dec – 3 Jan only — no public
/// holidays. Replace it, do not extend it.
/// </summary>
internal sealed class InterimClosedDays : IClosedDays
{
    public bool IsClosed(DateOnly day, out string? reason)
    {
        reason = day.DayOfWeek switch
        {
            DayOfWeek.Saturday => "土曜",
            DayOfWeek.Sunday => "日曜",
            _ => (day.Month == 12 && day.Day >= 29) || (day.Month == 1 && day.Day <= 3) ? "年末年始" : null,
        };
        return reason is not null;
    }
}

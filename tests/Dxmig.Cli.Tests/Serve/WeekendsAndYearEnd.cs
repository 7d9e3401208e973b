using Dxmig.Platform.Scheduling;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>A fixed calendar for the scheduler tests: Saturdays, Sundays and 29 Dec – 3 Jan only, no public holidays.</summary>
internal sealed class WeekendsAndYearEnd : IClosedDays
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

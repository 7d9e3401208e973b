using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Platform.Tests.Scheduling;

public class RunWindowTests
{
    /// <summary>Weekends and one holiday (Monday 2026-09-21), nothing else.</summary>
    private sealed class Weekends : IClosedDays
    {
        public bool IsClosed(DateOnly day, out string? reason)
        {
            reason = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? "週末" : day == new DateOnly(2026, 9, 21) ? "敬老の日" : null;
            return reason is not null;
        }
    }

    private static DateTimeOffset Tokyo(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(9));

    private static RunWindow Window(string calendar, string? start = null, string? end = null) =>
        new(new ScheduleSpec(null, calendar, start is null ? null : TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            end is null ? null : TimeOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture), "Asia/Tokyo"), new Weekends());

    [Fact]
    public void Night_window_crosses_midnight_on_working_days_only()
    {
        var window = Window("working-days", "20:00", "07:00");
        window.IsOpen(Tokyo(11, 25, 19, 59)).Should().BeFalse();
        window.IsOpen(Tokyo(11, 25, 20, 0)).Should().BeTrue();
        window.ClosesAt(Tokyo(11, 26, 6, 30)).Should().Be(Tokyo(11, 26, 7, 0), "Wednesday's window ends Thursday 07:00");
        window.IsOpen(Tokyo(11, 26, 7, 0)).Should().BeFalse();
        window.IsOpen(Tokyo(11, 28, 21, 0)).Should().BeFalse("Saturday is not a working day");
        window.NextOpen(Tokyo(11, 27, 23, 0)).Should().Be(Tokyo(11, 27, 23, 0), "Friday night is open");
        window.NextOpen(Tokyo(11, 28, 8, 0)).Should().Be(Tokyo(11, 30, 20, 0), "after Friday night: Monday 20:00");
    }

    [Fact]
    public void Whole_closed_days_join_into_one_window()
    {
        var window = Window("closed-days");
        window.IsOpen(Tokyo(9, 18, 23, 59)).Should().BeFalse("Friday");
        window.Current(Tokyo(9, 20, 12, 0)).Should().Be((Tokyo(9, 19, 0, 0), Tokyo(9, 22, 0, 0)), "Saturday, Sunday and the Monday holiday are one window");
        window.NextOpen(Tokyo(9, 22, 9, 0)).Should().Be(Tokyo(9, 26, 0, 0));
    }

    [Fact]
    public void No_schedule_is_always_open()
    {
        var window = new RunWindow(null, new Weekends());
        window.Always.Should().BeTrue();
        window.IsOpen(Tokyo(1, 1, 3)).Should().BeTrue();
    }
}

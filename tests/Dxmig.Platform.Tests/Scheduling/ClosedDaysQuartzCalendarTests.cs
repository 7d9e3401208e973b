using Dxmig.Platform.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Quartz.Impl.Triggers;

namespace Dxmig.Platform.Tests.Scheduling;

public class ClosedDaysQuartzCalendarTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static DateTimeOffset Jst(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.FromHours(9));

    /// <summary>The fire times a scheduler would use from <paramref name="from"/> on: first fire time, then Triggered() after each fire, as Quartz does (its clock set to <paramref name="from"/>).</summary>
    private static List<DateTimeOffset> FireTimes(string cron, ClosedDaysQuartzCalendar calendar, DateTimeOffset from, DateTimeOffset until)
    {
        var trigger = new CronTriggerImpl("t", "g", cron, new FakeTimeProvider(from)) { TimeZone = Tokyo, StartTimeUtc = from.ToUniversalTime() };
        var times = new List<DateTimeOffset>();
        var next = trigger.ComputeFirstFireTimeUtc(calendar);
        while (next is { } time && time < until)
        {
            times.Add(TimeZoneInfo.ConvertTime(time, Tokyo));
            trigger.Triggered(calendar);
            next = trigger.NextFireTimeUtc;
        }

        return times;
    }

    [Fact]
    public void ClosedDays_Cron0800_FiresOnTheSilverWeekAndSkipsThe24th()
    {
        var calendar = ClosedDaysQuartzCalendar.For("closed-days", ClosedDayCalendar.Standard)!;

        var times = FireTimes("0 0 8 * * ?", calendar, Jst(9, 18, 0), Jst(9, 27, 0));

        // 19 土曜, 20 日曜, 21 敬老の日, 22 休日 (国民の休日), 23 秋分の日; 24 and 25 are working days; 26 土曜.
        times.Should().Equal(Jst(9, 19, 8), Jst(9, 20, 8), Jst(9, 21, 8), Jst(9, 22, 8), Jst(9, 23, 8), Jst(9, 26, 8));
        calendar.IsTimeIncluded(Jst(9, 24, 8)).Should().BeFalse();
    }

    [Fact]
    public void WorkingDays_Cron2000_FiresOnWorkingNightsOnly()
    {
        var calendar = ClosedDaysQuartzCalendar.For("working-days", ClosedDayCalendar.Standard)!;

        var times = FireTimes("0 0 20 * * ?", calendar, Jst(9, 17, 0), Jst(9, 28, 0));

        times.Should().Equal(Jst(9, 17, 20), Jst(9, 18, 20), Jst(9, 24, 20), Jst(9, 25, 20));
    }

    [Fact]
    public void Day_IsTheTokyoDay_NotTheUtcDay()
    {
        var calendar = ClosedDaysQuartzCalendar.For("closed-days", ClosedDayCalendar.Standard)!;

        // Saturday 2026-09-19 05:00 in Tokyo is Friday 20:00 UTC.
        calendar.IsTimeIncluded(Jst(9, 19, 5).ToUniversalTime()).Should().BeTrue();
        calendar.IsTimeIncluded(Jst(9, 18, 23).ToUniversalTime()).Should().BeFalse();
    }

    [Fact]
    public void GetNextIncludedTime_SkipsToTheNextIncludedDayAtTokyoMidnight()
    {
        var closed = ClosedDaysQuartzCalendar.For("closed-days", ClosedDayCalendar.Standard)!;
        var working = ClosedDaysQuartzCalendar.For("working-days", ClosedDayCalendar.Standard)!;

        closed.GetNextIncludedTimeUtc(Jst(9, 24, 10)).Should().Be(Jst(9, 26, 0));
        working.GetNextIncludedTimeUtc(Jst(9, 19, 10)).Should().Be(Jst(9, 24, 0));
        working.GetNextIncludedTimeUtc(Jst(9, 24, 10)).Should().Be(Jst(9, 24, 10));
    }

    [Fact]
    public void EveryDay_NeedsNoCalendar_AndCloneKeepsTheMode()
    {
        ClosedDaysQuartzCalendar.For("every-day", ClosedDayCalendar.Standard).Should().BeNull();
        var clone = (ClosedDaysQuartzCalendar)ClosedDaysQuartzCalendar.For("working-days", ClosedDayCalendar.Standard)!.Clone();
        clone.OnClosedDays.Should().BeFalse();
        clone.TimeZone.Id.Should().Be("Asia/Tokyo");
    }
}

using System.Globalization;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Platform.Tests.Scheduling;

public class ScheduleGateTests
{
    /// <summary>The minimal calendar these tests need until the Japanese one lands: weekends only.</summary>
    private sealed class WeekendsOnly : IClosedDays
    {
        public bool IsClosed(DateOnly day, out string? reason)
        {
            reason = day.DayOfWeek switch { DayOfWeek.Saturday => "土曜", DayOfWeek.Sunday => "日曜", _ => null };
            return reason is not null;
        }
    }

    private static DateTimeOffset Tokyo(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(9));

    private static ScheduleGate Gate(string? cron, string calendar, string? start = null, string? end = null) =>
        new(new ScheduleSpec(cron, calendar, start is null ? null : TimeOnly.Parse(start, CultureInfo.InvariantCulture),
            end is null ? null : TimeOnly.Parse(end, CultureInfo.InvariantCulture), "Asia/Tokyo"), new WeekendsOnly());

    [Fact]
    public void Without_cron_the_trigger_fires_when_the_window_opens()
    {
        Gate(null, "working-days", "20:00", "07:00").Cron.Should().Be("0 0 20 * * ?");
        Gate(null, "closed-days").Cron.Should().Be("0 0 0 * * ?");
        Gate("0 30 21 ? * MON-FRI", "every-day").Cron.Should().Be("0 30 21 ? * MON-FRI");
    }

    [Fact]
    public void Check_OutsideTheNightWindow_IsClosedWithReasonAndNextOpening()
    {
        var gate = Gate(null, "working-days", "20:00", "07:00");

        var morning = gate.Check(Tokyo(11, 26, 9, 0));
        var night = gate.Check(Tokyo(11, 26, 23, 0));

        morning.Open.Should().BeFalse();
        morning.Reason.Should().Be("2026-11-26 09:00 は実行時間帯 20:00-07:00 Asia/Tokyo の外です / 2026-11-26 09:00 is outside the run window 20:00-07:00 Asia/Tokyo");
        morning.NextOpen.Should().Be(Tokyo(11, 26, 20, 0));
        night.Open.Should().BeTrue();
    }

    [Fact]
    public void Check_OnAClosedDayForAWorkingDaysJob_GivesTheCalendarsReason()
    {
        var decision = Gate("0 0 20 * * ?", "working-days", "20:00", "07:00").Check(Tokyo(11, 28, 20, 0));

        decision.Open.Should().BeFalse();
        decision.Reason.Should().Be("2026-11-28 は閉庁日 (土曜) / 2026-11-28 is a closed day (土曜); this job runs on working days");
        decision.NextOpen.Should().Be(Tokyo(11, 30, 20, 0), "Monday night is the next working night");
    }

    [Fact]
    public void Upcoming_ListsSkippedFiresWithReasonsThenTheOneThatRuns()
    {
        // Every evening at 20:00; runs on working nights only. From Friday after the window opened: Sat and Sun skip.
        var plan = Gate("0 0 20 * * ?", "working-days", "20:00", "07:00").Upcoming(Tokyo(11, 27, 21, 0));

        plan.Select(p => (p.At, p.Runs)).Should().Equal(
            (Tokyo(11, 28, 20, 0), false),
            (Tokyo(11, 29, 20, 0), false),
            (Tokyo(11, 30, 20, 0), true));
        plan[1].SkipReason.Should().Contain("2026-11-29 is a closed day (日曜)");
    }

    [Fact]
    public void Upcoming_ACronThatFiresOutsideTheWindow_IsSkippedEveryTimeAndSaysWhy()
    {
        var plan = Gate("0 0 12 * * ?", "every-day", "20:00", "07:00").Upcoming(Tokyo(11, 26, 13, 0), maxFires: 3);

        plan.Should().HaveCount(3).And.OnlyContain(p => !p.Runs);
        plan[0].SkipReason.Should().Contain("outside the run window 20:00-07:00");
    }

    [Fact]
    public void Check_ClosedDaysJob_RunsThroughTheWholeWeekend()
    {
        var gate = Gate(null, "closed-days");

        gate.Check(Tokyo(11, 28, 0, 0)).Open.Should().BeTrue();
        gate.Check(Tokyo(11, 29, 23, 59)).Open.Should().BeTrue();
        var monday = gate.Check(Tokyo(11, 30, 0, 0));
        monday.Open.Should().BeFalse();
        monday.Reason.Should().StartWith("2026-11-30 は開庁日 / 2026-11-30 is a working day");
        monday.NextOpen.Should().Be(Tokyo(12, 5, 0, 0));
    }
}

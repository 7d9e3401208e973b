using System.Globalization;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Platform.Tests.Scheduling;

public class ClosedDayCalendarTests
{
    private static DateOnly D(string text) => DateOnly.Parse(text, CultureInfo.InvariantCulture);

    private static string? Reason(ClosedDayCalendar calendar, string date) => calendar.IsClosed(D(date), out var reason) ? reason : null;

    [Theory]
    [InlineData("2026-09-19", "土曜")]
    [InlineData("2026-09-20", "日曜")]
    [InlineData("2026-09-21", "敬老の日")]
    [InlineData("2026-09-22", "休日")]
    [InlineData("2026-09-23", "秋分の日")]
    [InlineData("2026-12-29", "年末年始")]
    [InlineData("2026-12-31", "年末年始")]
    [InlineData("2027-01-01", "元日")]     // holiday name before 年末年始
    [InlineData("2027-01-02", "年末年始")] // a Saturday: 年末年始 before 土曜
    [InlineData("2027-01-03", "年末年始")] // a Sunday
    [InlineData("2023-01-02", "休日")]     // 振替休日 for 元日 on Sunday, inside 年末年始: the holiday law first
    public void ClosedDays_HaveTheirReasonInPrecedenceOrder(string date, string reason) =>
        Reason(ClosedDayCalendar.Standard, date).Should().Be(reason);

    [Theory]
    [InlineData("2026-09-24")]
    [InlineData("2026-12-28")]
    [InlineData("2027-01-04")]
    public void WorkingDays_AreNotClosed(string date)
    {
        ClosedDayCalendar.Standard.IsClosed(D(date), out var reason).Should().BeFalse();
        reason.Should().BeNull();
    }

    [Fact]
    public void ConfiguredDates_AddClosedDaysAndOpenOthers()
    {
        var calendar = new ClosedDayCalendar(ClosedDaysMap.FromDates(
            [new(D("2026-06-15"), "県民の日"), new(D("2026-09-19"), "計画停電")],
            [D("2026-12-29"), D("2026-09-21")]));

        Reason(calendar, "2026-06-15").Should().Be("県民の日");
        Reason(calendar, "2026-09-19").Should().Be("計画停電", "a configured reason comes before 土曜");
        calendar.IsClosed(D("2026-12-29"), out _).Should().BeFalse("configured open");
        calendar.IsClosed(D("2026-09-21"), out _).Should().BeFalse("an open date wins over a holiday too");
        Reason(calendar, "2026-12-30").Should().Be("年末年始");
    }

    [Fact]
    public void ClosedDaysOf_ListsTheYearInOrder()
    {
        var days = ClosedDayCalendar.Standard.ClosedDaysOf(2026);

        days.Select(d => d.Date).Should().BeInAscendingOrder();
        days.Should().Contain((D("2026-09-22"), "休日"));
        // Every weekend day, and on weekdays exactly the holidays and 年末年始.
        days.Count(d => d.Date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday).Should().Be(104);
        days.Count(d => d.Date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Should().Be(
            Enumerable.Range(0, 365).Select(i => new DateOnly(2026, 1, 1).AddDays(i))
                .Count(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) &&
                    (JapaneseHolidays.NameOf(d) is not null || (d.Month == 1 && d.Day <= 3) || (d.Month == 12 && d.Day >= 29))));
    }
}

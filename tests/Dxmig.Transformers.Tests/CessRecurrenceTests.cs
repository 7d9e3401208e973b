using Dxmig.Contracts.Records;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Tests;

public sealed class CessRecurrenceTests
{
    private static readonly DateOnly Monday = new(2024, 4, 1);

    [Theory]
    [InlineData("毎日", "", RecurrenceKind.Daily, 1, "", 0, null, 0, "noEnd")]
    [InlineData("毎週", "令和7年3月31日", RecurrenceKind.Weekly, 1, "Monday", 0, null, 0, "endDate")]
    [InlineData("隔週(火,木)", "10回", RecurrenceKind.Weekly, 2, "Tuesday,Thursday", 0, null, 0, "numbered")]
    [InlineData("平日", "", RecurrenceKind.Weekly, 1, "Monday,Tuesday,Wednesday,Thursday,Friday", 0, null, 0, "noEnd")]
    [InlineData("毎月", "", RecurrenceKind.AbsoluteMonthly, 1, "", 1, null, 0, "noEnd")]
    [InlineData("毎月１５日", "", RecurrenceKind.AbsoluteMonthly, 1, "", 15, null, 0, "noEnd")]
    [InlineData("毎月第2火曜", "１２回", RecurrenceKind.RelativeMonthly, 1, "Tuesday", 0, "second", 0, "numbered")]
    [InlineData("毎月最終金曜日", "", RecurrenceKind.RelativeMonthly, 1, "Friday", 0, "last", 0, "noEnd")]
    [InlineData("毎年", "", RecurrenceKind.AbsoluteYearly, 1, "", 1, null, 4, "noEnd")]
    [InlineData("毎年11月第3水曜", "", RecurrenceKind.RelativeYearly, 1, "Wednesday", 0, "third", 11, "noEnd")]
    public void Parse_CessRules_MapToGraphPatterns(string rule, string end, RecurrenceKind kind, int interval, string days, int dayOfMonth, string? index, int month, string range)
    {
        var (recurrence, error) = CessRecurrence.Parse(rule, end, Monday);

        error.Should().BeNull();
        recurrence!.Kind.Should().Be(kind);
        recurrence.Interval.Should().Be(interval);
        string.Join(',', recurrence.DaysOfWeek).Should().Be(days);
        recurrence.DayOfMonth.Should().Be(dayOfMonth);
        recurrence.Index.Should().Be(index);
        recurrence.Month.Should().Be(month);
        recurrence.RangeType.Should().Be(range);
        recurrence.StartDate.Should().Be(Monday);
    }

    [Theory]
    [InlineData("", "", false)]
    [InlineData("なし", "", false)]
    [InlineData("毎週火曜と木曜", "", true)]
    [InlineData("毎月32日", "", true)]
    [InlineData("毎週", "2024/03/31", true)]
    [InlineData("毎週", "いつか", true)]
    [InlineData("毎週", "0回", true)]
    [InlineData("", "2025/03/31", true)]
    public void Parse_NoRuleOrBadRule(string rule, string end, bool isError)
    {
        var (recurrence, error) = CessRecurrence.Parse(rule, end, Monday);

        recurrence.Should().BeNull();
        (error is not null).Should().Be(isError, error);
    }
}

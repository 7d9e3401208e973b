using Dxmig.Contracts.Text;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Contracts.Tests.Text;

public sealed class JapanTimeTests
{
    [Theory]
    [InlineData("2024-03-31T14:59:59Z", "2024-03-31")]
    [InlineData("2024-03-31T15:00:00Z", "2024-04-01")]
    [InlineData("2024-12-31T23:30:00Z", "2025-01-01")]
    public void Today_IsTheDateInJapan_NotInUtc(string utcNow, string expected)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse(utcNow, System.Globalization.CultureInfo.InvariantCulture));

        JapanTime.Today(time).Should().Be(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ToUtc_TakesNineHoursOff_TheWholeYear_AsJapanKeepsNoSummerTime()
    {
        var winter = JapanTime.ToUtc(new DateTime(2024, 1, 15, 9, 0, 0));
        var summer = JapanTime.ToUtc(new DateTime(2024, 7, 15, 9, 0, 0));

        winter.Should().Be(new DateTime(2024, 1, 15, 0, 0, 0, DateTimeKind.Utc)).And.BeIn(DateTimeKind.Utc);
        summer.Should().Be(new DateTime(2024, 7, 15, 0, 0, 0, DateTimeKind.Utc));
        TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo").GetUtcOffset(new DateTime(2024, 7, 15)).Should().Be(JapanTime.Offset);
    }
}


namespace Dxmig.Platform.Scheduling;

/// <summary>
/// The prefectural government's closed days (行政機関の休日): Saturdays, Sundays, public holidays by rule
/// (<see cref="JapaneseHolidays"/>), 29 December – 3 January, and the extra closed dates of the configuration; a
/// configured open date is a working day whatever the rules say.
/// </summary>
/// <remarks>
/// When a day is closed for several reasons, the reason given is the first of: the holiday's name, the configured
/// reason, 年末年始, 土曜/日曜. So 2027-01-01 (a Friday) is 元日, 2022-01-02 (a Sunday in 年末年始) is 年末年始, and
/// 2026-01-03 (a Saturday) is 年末年始.
/// </remarks>
public sealed class ClosedDayCalendar : IClosedDays
{
    public const string Saturday = "土曜";
    public const string Sunday = "日曜";
    public const string YearEnd = "年末年始";

    private readonly ClosedDaysMap configured;

    public ClosedDayCalendar(ClosedDaysMap? configured = null) => this.configured = configured ?? ClosedDaysMap.Empty;

    /// <summary>The rules alone, no configured dates.</summary>
    public static ClosedDayCalendar Standard { get; } = new();

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The year is outside the holiday rules' range (<see cref="JapaneseHolidays.FirstYear"/>–<see cref="JapaneseHolidays.LastYear"/>).</exception>
    public bool IsClosed(DateOnly day, out string? reason)
    {
        reason = configured.Open.Contains(day) ? null : ReasonOf(day);
        return reason is not null;
    }

    /// <summary>Every closed day of the year with its reason, in date order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The year is outside the holiday rules' range.</exception>
    public IReadOnlyList<(DateOnly Date, string Reason)> ClosedDaysOf(int year)
    {
        var result = new List<(DateOnly, string)>();
        for (var day = new DateOnly(year, 1, 1); day.Year == year; day = day.AddDays(1))
        {
            if (IsClosed(day, out var reason))
            {
                result.Add((day, reason!));
            }
        }

        return result;
    }

    private string? ReasonOf(DateOnly day) =>
        JapaneseHolidays.NameOf(day)
        ?? (configured.Closed.TryGetValue(day, out var configuredReason) ? configuredReason : null)
        ?? (IsYearEnd(day) ? YearEnd : null)
        ?? day.DayOfWeek switch
        {
            DayOfWeek.Saturday => Saturday,
            DayOfWeek.Sunday => Sunday,
            _ => null,
        };

    private static bool IsYearEnd(DateOnly day) => (day.Month == 12 && day.Day >= 29) || (day.Month == 1 && day.Day <= 3);
}

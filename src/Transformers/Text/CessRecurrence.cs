using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Contracts.Records;

namespace Dxmig.Transformers.Text;

/// <summary>
/// CESS repeat rules (繰り返し) → Graph's patternedRecurrence. The rule: なし or empty (none), 毎日, 平日 (Monday to
/// Friday), 毎週 or 隔週 (on the start's weekday, or on listed days: 毎週月・水, 毎週(火,木)), 毎月 (on the start's day),
/// 毎月15日, 毎月第2火曜 / 毎月最終金曜 (relative), 毎年 (on the start's month and day), 毎年4月第1月曜 (relative yearly);
/// full-width forms are accepted. The end (繰り返し終了): empty (no end), a date (令和6年3月31日, 2025/03/31) or a
/// count (10回). Anything else has no value, with the reason.
/// </summary>
public static partial class CessRecurrence
{
    private static readonly string[] Weekdays = ["日", "月", "火", "水", "木", "金", "土"];
    private static readonly string[] Indexes = ["first", "second", "third", "fourth"];

    /// <summary>Parses the rule for an event starting on <paramref name="start"/>; null recurrence and null error when there is none.</summary>
    public static (EventRecurrence? Recurrence, string? Error) Parse(string? rule, string? end, DateOnly start)
    {
        var text = Clean(rule);
        if (text.Length == 0 || text == "なし")
        {
            return (null, Clean(end).Length == 0 ? null : "繰り返し終了がありますが繰り返しがありません / a repeat end without a repeat rule");
        }

        var (pattern, error) = Pattern(text, start);
        if (pattern is null)
        {
            return (null, error);
        }

        var endText = Clean(end);
        if (endText.Length == 0)
        {
            return (pattern, null);
        }

        if (Count().Match(endText) is { Success: true } count)
        {
            var n = int.Parse(count.Groups[1].Value, CultureInfo.InvariantCulture);
            return n is >= 1 and <= 999 ? (pattern with { Occurrences = n }, null) : (null, $"繰り返し回数 {n} は 1〜999 にしてください / repeat count {n} must be 1 to 999");
        }

        if (!JapaneseDate.TryParse(endText, out var until))
        {
            return (null, $"繰り返し終了 '{end}' は日付でも回数でもありません / repeat end '{end}' is neither a date nor a count");
        }

        return until < start
            ? (null, $"繰り返し終了 {until:yyyy-MM-dd} が開始日 {start:yyyy-MM-dd} より前です / the repeat ends ({until:yyyy-MM-dd}) before it starts ({start:yyyy-MM-dd})")
            : (pattern with { EndDate = until }, null);
    }

    private static (EventRecurrence? Pattern, string? Error) Pattern(string text, DateOnly start)
    {
        EventRecurrence Make(RecurrenceKind kind) => new() { Kind = kind, StartDate = start };
        var startDay = start.DayOfWeek;
        switch (text)
        {
            case "毎日":
                return (Make(RecurrenceKind.Daily), null);
            case "平日":
            case "毎日(平日)":
                return (Make(RecurrenceKind.Weekly) with { DaysOfWeek = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday] }, null);
            case "毎月":
                return (Make(RecurrenceKind.AbsoluteMonthly) with { DayOfMonth = start.Day }, null);
            case "毎年":
                return (Make(RecurrenceKind.AbsoluteYearly) with { DayOfMonth = start.Day, Month = start.Month }, null);
        }

        if (Weekly().Match(text) is { Success: true } weekly)
        {
            var days = weekly.Groups["days"].Value.Length == 0 ? [startDay] : Days(weekly.Groups["days"].Value);
            return days is null
                ? (null, $"繰り返し '{text}' の曜日が読めません / the weekdays of repeat rule '{text}' cannot be read")
                : (Make(RecurrenceKind.Weekly) with { Interval = weekly.Groups["every"].Value == "隔週" ? 2 : 1, DaysOfWeek = days }, null);
        }

        if (MonthDay().Match(text) is { Success: true } monthDay)
        {
            var day = int.Parse(monthDay.Groups["d"].Value, CultureInfo.InvariantCulture);
            return day is >= 1 and <= 31
                ? (Make(RecurrenceKind.AbsoluteMonthly) with { DayOfMonth = day }, null)
                : (null, $"繰り返し '{text}' の日 {day} がありえません / repeat rule '{text}': day {day} does not exist");
        }

        if (Relative().Match(text) is { Success: true } relative)
        {
            var index = relative.Groups["last"].Success ? "last" : Indexes[int.Parse(relative.Groups["n"].Value, CultureInfo.InvariantCulture) - 1];
            var day = (DayOfWeek)Array.IndexOf(Weekdays, relative.Groups["w"].Value);
            if (relative.Groups["month"].Success)
            {
                var month = int.Parse(relative.Groups["month"].Value, CultureInfo.InvariantCulture);
                return month is >= 1 and <= 12
                    ? (Make(RecurrenceKind.RelativeYearly) with { Index = index, DaysOfWeek = [day], Month = month }, null)
                    : (null, $"繰り返し '{text}' の月 {month} がありえません / repeat rule '{text}': month {month} does not exist");
            }

            return (Make(RecurrenceKind.RelativeMonthly) with { Index = index, DaysOfWeek = [day] }, null);
        }

        return (null, $"繰り返し '{text}' は読めません (毎日・平日・毎週・隔週・毎月・毎年など) / repeat rule '{text}' is not understood (毎日, 平日, 毎週, 隔週, 毎月, 毎年 …)");
    }

    private static DayOfWeek[]? Days(string list)
    {
        var result = new List<DayOfWeek>();
        foreach (var part in list.Split(['・', ',', '、', '/'], StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.TrimEnd('日').TrimEnd('曜');
            var index = Array.IndexOf(Weekdays, name);
            if (index < 0)
            {
                return null;
            }

            if (!result.Contains((DayOfWeek)index))
            {
                result.Add((DayOfWeek)index);
            }
        }

        return result.Count == 0 ? null : [.. result];
    }

    private static string Clean(string? value) =>
        new((value ?? string.Empty).Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c)).ToArray());

    [GeneratedRegex(@"^(?<every>毎週|隔週)(\((?<days>[^)]*)\)|(?<days>.*))$", RegexOptions.CultureInvariant)]
    private static partial Regex Weekly();

    [GeneratedRegex(@"^毎月(?<d>\d{1,2})日$", RegexOptions.CultureInvariant)]
    private static partial Regex MonthDay();

    [GeneratedRegex(@"^毎(月|年(?<month>\d{1,2})月)(第(?<n>[1-4])|(?<last>最終))(?<w>[日月火水木金土])曜(日)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Relative();

    [GeneratedRegex(@"^(\d{1,3})回$", RegexOptions.CultureInvariant)]
    private static partial Regex Count();
}

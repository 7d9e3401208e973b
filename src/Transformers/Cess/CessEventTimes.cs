using System.Globalization;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Contracts.Text;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// The start and end of a CESS schedule or reservation, as wall-clock times in Asia/Tokyo: dates as
/// <see cref="JapaneseDate"/> reads them, times as 9:00, 09:00, 0900 or 9時30分 (full-width accepted; 24:00 ends a day);
/// the end date defaults to the start date. An all-day item runs from the start date's midnight to the midnight after
/// the end date. A missing or impossible date or time, or an end before the start, is the quarantine problem.
/// </summary>
public static partial class CessEventTimes
{
    /// <summary>The times, or the problem.</summary>
    public static (DateTime Start, DateTime End, ItemProblem? Problem) Resolve(
        int line, string startDate, string startTime, string endDate, string endTime, bool allDay)
    {
        (DateTime, DateTime, ItemProblem?) Bad(string code, string japanese, string english) =>
            (default, default, ItemProblem.Quarantine(code, $"行 {line}: {japanese}", $"line {line}: {english}"));

        if (startDate.Trim().Length == 0)
        {
            return Bad("missing-field", "開始日がありません", "the start date is missing");
        }

        if (!JapaneseDate.TryParse(startDate, out var from))
        {
            return Bad("bad-date", $"開始日 '{startDate}' は日付として読めません", $"start date '{startDate}' is not a valid date");
        }

        var to = from;
        if (endDate.Trim().Length > 0 && !JapaneseDate.TryParse(endDate, out to))
        {
            return Bad("bad-date", $"終了日 '{endDate}' は日付として読めません", $"end date '{endDate}' is not a valid date");
        }

        if (allDay)
        {
            return to < from
                ? Bad("end-before-start", $"終了日 {to:yyyy-MM-dd} が開始日 {from:yyyy-MM-dd} より前です", $"the end date {to:yyyy-MM-dd} is before the start date {from:yyyy-MM-dd}")
                : (from.ToDateTime(TimeOnly.MinValue), to.AddDays(1).ToDateTime(TimeOnly.MinValue), null);
        }

        if (Time(startTime) is not { } t1 || t1 >= TimeSpan.FromHours(24))
        {
            return startTime.Trim().Length == 0
                ? Bad("missing-field", "開始時刻がありません (終日でない予定)", "the start time is missing (not an all-day item)")
                : Bad("bad-time", $"開始時刻 '{startTime}' は時刻として読めません", $"start time '{startTime}' is not a valid time");
        }

        if (Time(endTime) is not { } t2)
        {
            return endTime.Trim().Length == 0
                ? Bad("missing-field", "終了時刻がありません (終日でない予定)", "the end time is missing (not an all-day item)")
                : Bad("bad-time", $"終了時刻 '{endTime}' は時刻として読めません", $"end time '{endTime}' is not a valid time");
        }

        var start = from.ToDateTime(TimeOnly.MinValue) + t1;
        var end = to.ToDateTime(TimeOnly.MinValue) + t2;
        return end < start
            ? Bad("end-before-start",
                $"終了 {end:yyyy-MM-dd HH:mm} が開始 {start:yyyy-MM-dd HH:mm} より前です",
                $"the end {end:yyyy-MM-dd HH:mm} is before the start {start:yyyy-MM-dd HH:mm}")
            : (start, end, null);
    }

    /// <summary>A yes/no column: 1, ○, ●, はい, Y, true, 非公開, 終日 → true; empty, 0, ×, いいえ, N, false, 公開 → false; else null.</summary>
    public static bool? Flag(string value)
    {
        var text = SourceText.Narrow(value).ToUpperInvariant();
        return text switch
        {
            "1" or "○" or "◯" or "●" or "はい" or "Y" or "YES" or "TRUE" or "非公開" or "終日" => true,
            "" or "0" or "×" or "-" or "いいえ" or "N" or "NO" or "FALSE" or "公開" => false,
            _ => null,
        };
    }

    private static TimeSpan? Time(string value)
    {
        var text = SourceText.Narrow(value);
        if (TimePattern().Match(text) is not { Success: true } m)
        {
            return null;
        }

        var hours = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        var minutes = m.Groups["m"].Success ? int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
        return minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) ? null : new TimeSpan(hours, minutes, 0);
    }

    [GeneratedRegex(@"^(?<h>\d{1,2})(:(?<m>\d{2})(:00)?|(?<m>\d{2})|時((?<m>\d{1,2})分)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();
}

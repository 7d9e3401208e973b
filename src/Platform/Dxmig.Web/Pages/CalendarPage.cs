using System.Globalization;
using System.Text;
using Dxmig.Web.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>The year's closed days (weekends, holidays, 29 Dec – 3 Jan, configured days) and every job's window.</summary>
internal static class CalendarPage
{
    private static string CalendarWord(string calendar) => calendar switch
    {
        "closed-days" => "閉庁日のみ / closed days only",
        "working-days" => "開庁日のみ / working days only",
        _ => "毎日 / every day",
    };

    public static async Task WriteAsync(HttpContext http, int? year)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        var now = TimeZoneInfo.ConvertTime(data.Settings.Time.GetUtcNow(), Zone);
        var y = year is >= 2000 and <= 2100 ? year.Value : now.Year;
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<nav class=\"pager\"><a href=\"/calendar?year={y - 1}\">← {y - 1}</a> <strong id=\"year\">{y}</strong> <a href=\"/calendar?year={y + 1}\">{y + 1} →</a></nav>");
        body.Append("<section><h2>ジョブの実行時間帯 / Job windows</h2>")
            .Append(Table("windows", ["ジョブ / Job", "予定 / Schedule", "時間帯 / Window", "休日 / Closed days"],
                data.Jobs().Where(j => j.File is not null).Select(j =>
                {
                    var s = j.File!.Schedule;
                    return (IReadOnlyList<string>)
                    [
                        E(j.Name), s is null ? "手動 / by hand" : E(s.Cron ?? "-"),
                        s is null ? "—" : s.WindowStart is { } start && s.WindowEnd is { } end
                            ? E(string.Create(CultureInfo.InvariantCulture, $"{start:HH\\:mm}–{end:HH\\:mm} {s.TimeZone}"))
                            : "終日 / all day",
                        s is null ? "—" : E(CalendarWord(s.Calendar)),
                    ];
                })))
            .Append("</section>");

        var closed = new List<(DateOnly Day, string Reason)>();
        body.Append("<section><h2>閉庁日 / Closed days</h2><div class=\"months\">");
        for (var month = 1; month <= 12; month++)
        {
            body.Append("<table class=\"month\"><caption>").Append(y).Append('年').Append(month).Append("月</caption><thead><tr>");
            foreach (var d in new[] { "日", "月", "火", "水", "木", "金", "土" })
            {
                body.Append("<th>").Append(d).Append("</th>");
            }

            body.Append("</tr></thead><tbody><tr>");
            var first = new DateOnly(y, month, 1);
            for (var blank = 0; blank < (int)first.DayOfWeek; blank++)
            {
                body.Append("<td></td>");
            }

            for (var day = first; day.Month == month; day = day.AddDays(1))
            {
                if (day.DayOfWeek == DayOfWeek.Sunday && day.Day != 1)
                {
                    body.Append("</tr><tr>");
                }

                if (data.Settings.ClosedDays.IsClosed(day, out var reason))
                {
                    closed.Add((day, reason ?? "閉庁日"));
                    body.Append("<td class=\"closed\" title=\"").Append(E(reason)).Append("\">").Append(day.Day).Append("</td>");
                }
                else
                {
                    body.Append("<td>").Append(day.Day).Append("</td>");
                }
            }

            body.Append("</tr></tbody></table>");
        }

        body.Append("</div>");
        body.Append(Table("closed-days", ["日付 / Date", "理由 / Reason"],
            closed.Where(c => c.Day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                .Select(c => (IReadOnlyList<string>)[E(c.Day.ToString("yyyy-MM-dd (ddd)", CultureInfo.GetCultureInfo("ja-JP"))), E(c.Reason)])));
        body.Append("<p class=\"small\">土日は表に載せていません (上のカレンダーで色付き) / weekends are coloured above, not listed.</p></section>");
        await Layout.WriteAsync(http, Layout.Page(http, $"カレンダー / Calendar {y}", body.ToString(), "calendar"));
    }
}

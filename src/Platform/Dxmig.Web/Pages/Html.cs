using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Dxmig.Web.Pages;

/// <summary>Small helpers for server-rendered HTML: every value from a job, a ledger or a person goes through <see cref="E"/>.</summary>
internal static class Html
{
    private static readonly CultureInfo Ja = CultureInfo.GetCultureInfo("ja-JP");

    /// <summary>HTML-encodes <paramref name="text"/> (null: empty).</summary>
    public static string E(string? text) => text is null ? string.Empty : Encoder.Encode(text);

    // Japanese stays readable in the page source (and in tests); only what HTML needs escaped is escaped.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    /// <summary>Encodes a value for a URL path segment or query value.</summary>
    public static string U(string? text) => text is null ? string.Empty : Uri.EscapeDataString(text);

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A UTC time shown in Japan time.</summary>
    public static string Jst(DateTime? utc) =>
        utc is { } u ? TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(u, DateTimeKind.Utc), Zone).ToString("yyyy-MM-dd (ddd) HH:mm:ss", Ja) : "—";

    public static string Jst(DateTime utc) => Jst((DateTime?)utc);

    public static string Jst(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone).ToString("yyyy-MM-dd (ddd) HH:mm", Ja);

    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    /// <summary>A table with bilingual headers; each row's cells are already HTML.</summary>
    public static string Table(string id, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? empty = null)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table id=\"{id}\"><thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th>").Append(header).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(cell).Append("</td>");
            }

            html.Append("</tr>");
        }

        if (!any)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td colspan=\"{headers.Count}\" class=\"empty\">{E(empty ?? "なし / none")}</td></tr>");
        }

        return html.Append("</tbody></table></div>").ToString();
    }

    /// <summary>A time span as hours:minutes:seconds (hours beyond 24 kept).</summary>
    public static string Duration(TimeSpan span) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours:00}:{span.Minutes:00}:{span.Seconds:00}");

    /// <summary>A byte count in KB/MB/GB.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.00} GB"),
    };
}

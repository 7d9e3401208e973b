using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>The audit log: who did what, when, from where, newest first, 100 a page.</summary>
internal static class AuditPage
{
    private const int PageSize = 100;

    public static async Task WriteAsync(HttpContext http, int? page)
    {
        var number = Math.Max(1, page ?? 1);
        var (rows, total) = await http.RequestServices.GetRequiredService<IConsoleRecords>().ListAuditAsync((number - 1) * PageSize, PageSize, http.RequestAborted);
        var body = new StringBuilder();
        body.Append(Table("audit", ["日時 / When", "誰 / Who", "ロール / Role", "操作 / Action", "ジョブ / Job", "実行 / Run", "内容 / Detail", "接続元 / From", "結果 / Outcome"],
            rows.Select(r => (IReadOnlyList<string>)
                [E(Jst(r.Utc)), E(r.User), E(r.Role), E(r.Action), E(r.Job), E(r.RunId), E(r.Detail), E(r.ClientAddress), E(r.Outcome)]),
            "まだ記録はありません / nothing recorded yet"));
        body.Append(Pager("/audit?", number, total, PageSize));
        await Layout.WriteAsync(http, Layout.Page(http, "監査ログ / Audit log", body.ToString(), "audit"));
    }

    /// <summary>Previous / next links and "page N of M (total)".</summary>
    public static string Pager(string prefix, int page, long total, int size, bool lowerBound = false)
    {
        var pages = Math.Max(1, (total + size - 1) / size);
        if (lowerBound)
        {
            // Counting stopped at the cap: there are more pages than that.
            pages = Math.Max(pages, page + 1);
        }

        var html = new StringBuilder("<nav class=\"pager\">");
        if (page > 1)
        {
            html.Append("<a rel=\"prev\" href=\"").Append(E(prefix)).Append("page=").Append(page - 1).Append("\">← 前 / previous</a> ");
        }

        html.Append("<span id=\"page\">").Append(N(page)).Append(" / ").Append(N(pages)).Append(lowerBound ? "+" : string.Empty).Append(" ページ / pages (").Append(N(total))
            .Append(lowerBound ? " 件以上 / or more rows)" : " 件 / rows)").Append("</span>");
        if (page < pages)
        {
            html.Append(" <a rel=\"next\" id=\"next-page\" href=\"").Append(E(prefix)).Append("page=").Append(page + 1).Append("\">次 / next →</a>");
        }

        return html.Append("</nav>").ToString();
    }
}

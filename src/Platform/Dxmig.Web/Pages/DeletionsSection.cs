using System.Globalization;
using System.Text;
using Dxmig.Jobs.Console;
using Dxmig.Web.Auth;
using Dxmig.Web.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>
/// Held-back mass deletions on a job's page (operators): each list with its count and first rows, and a form that
/// asks for the count to be typed before it confirms; the job's next run carries the removals out.
/// </summary>
internal static class DeletionsSection
{
    public static async Task<string> RenderAsync(HttpContext http, ConsoleJob job)
    {
        if (job.File is not { } file)
        {
            return string.Empty;
        }

        var lists = await HeldBackDeletions.ListAsync(file, HeldBackDeletions.DefaultFirstRows, http.RequestAborted);
        var html = new StringBuilder("<h3>保留中の大量削除 / Held-back mass deletions</h3>");
        if (lists.Count == 0)
        {
            return html.Append("<p class=\"empty\" id=\"no-deletions\">ありません / none</p>").ToString();
        }

        foreach (var list in lists.OrderByDescending(l => l.FileUtc))
        {
            html.Append("<div class=\"run deletions\" data-run=\"").Append(E(list.RunId)).Append("\"><p>")
                .Append("実行 / run ").Append(E(list.RunId)).Append(": <strong class=\"count\">").Append(N(list.Count)).Append("</strong> 件 / removals・")
                .Append(list.State switch
                {
                    HeldBackState.Pending => "<span class=\"warn\">確認待ち / waiting for confirmation</span>",
                    HeldBackState.Confirmed => $"<span class=\"good\">確認済み ({E(list.Confirmation?.ConfirmedBy)})。次の実行で削除されます / confirmed: the next run removes them</span>",
                    _ => $"削除済み / carried out by run {E(list.Confirmation?.AppliedByRun)}",
                }).Append("</p>");
            html.Append(Table("deletions-" + list.RunId, [E(list.IdColumn), "移行先 / Target", "アカウント / Account", "フォルダー / Folder"],
                list.FirstRows.Select(r => (IReadOnlyList<string>)[E(r.SourceId), E(r.TargetKey), E(r.Account), E(r.Container)])));
            if (list.Count > list.FirstRows.Count)
            {
                html.Append("<p class=\"small\">最初の ").Append(N(list.FirstRows.Count)).Append(" 件のみ表示。全件: ").Append(E(list.Path))
                    .Append(" / only the first rows are shown; the whole list is that file</p>");
            }

            if (list.State == HeldBackState.Pending)
            {
                html.Append("<form method=\"post\" action=\"/jobs/").Append(U(file.Name)).Append("/deletions/").Append(U(list.RunId)).Append("/confirm\">")
                    .Append(Layout.Antiforgery(http))
                    .Append("<label>削除する件数を入力して確認 / type the number of removals to confirm: ")
                    .Append("<input name=\"count\" id=\"confirm-count\" inputmode=\"numeric\" autocomplete=\"off\" required></label> ")
                    .Append("<button type=\"submit\" class=\"danger\" id=\"confirm-deletions\">削除を確認 / Confirm the deletions</button></form>");
            }

            html.Append("</div>");
        }

        return html.ToString();
    }

    /// <summary>POST: confirms a list when the typed count is its count; audited either way.</summary>
    public static async Task ConfirmAsync(HttpContext http, string name, string runId)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file })
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, $"ジョブ {name} はありません / there is no job {name}");
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var typed = form["count"].ToString().Replace(",", string.Empty, StringComparison.Ordinal).Trim();
        var count = int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var result = await HeldBackDeletions.ConfirmAsync(file, runId, count, ConsoleRoles.Who(http.User), data.Settings.Time, http.RequestAborted);
        await Audit.WriteAsync(http, "confirm-deletions", file.Name, runId,
            string.Create(CultureInfo.InvariantCulture, $"count {typed}: {result.Message}"), result.Accepted ? "ok" : "refused");
        if (!result.Accepted)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status409Conflict, result.Message, $"/jobs/{U(file.Name)}");
            return;
        }

        http.Response.Redirect($"/jobs/{U(file.Name)}?done=confirm");
    }
}

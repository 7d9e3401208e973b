using System.Text;
using Dxmig.Web.Auth;
using Dxmig.Web.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>One job: its schedule and window now, its recent runs, and (operators only) its actions.</summary>
internal static class JobPage
{
    public static async Task WriteAsync(HttpContext http, string name)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file } job)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, $"ジョブ {name} はありません / there is no job {name}");
            return;
        }

        var body = new StringBuilder();
        body.Append(Notice(http.Request.Query["done"]));
        var (next, skipped, gate) = data.Upcoming(file);
        var window = gate?.Check(data.Settings.Time.GetUtcNow());
        body.Append("<dl class=\"facts\">")
            .Append("<dt>種類 / Kind</dt><dd>").Append(E(file.Kind)).Append("</dd>")
            .Append("<dt>ジョブファイル / Job file</dt><dd>").Append(E(job.Path)).Append("</dd>")
            .Append("<dt>予定 / Schedule</dt><dd>").Append(gate is null ? "なし (手動) / none (by hand)" : "cron " + E(gate.Cron) + " " + E(gate.Zone.Id)).Append("</dd>")
            .Append("<dt>次の実行 / Next run</dt><dd>").Append(next is null ? "—" : E(Jst(next.At))).Append("</dd>")
            .Append("<dt>実行時間帯 / Run window now</dt><dd id=\"window\">")
            .Append(window is null || window.Open ? "開いています / open" : $"閉じています / closed: {E(window.Reason)}")
            .Append("</dd></dl>");
        if (skipped.Count > 0)
        {
            body.Append("<p>スキップされる予定 / skipped fires:</p><ul class=\"skipped\">");
            foreach (var fire in skipped)
            {
                body.Append("<li>").Append(E(Jst(fire.At))).Append(": ").Append(E(fire.SkipReason)).Append("</li>");
            }

            body.Append("</ul>");
        }

        var ledger = await data.LedgerAsync(file, http.RequestAborted);
        var live = ledger is null ? [] : await ledger.LiveLeasesAsync(file.Name, http.RequestAborted);
        if (ConsoleRoles.IsOperator(http.User))
        {
            body.Append("<section id=\"actions\"><h2>操作 / Actions</h2>");
            if (live.Count == 0)
            {
                body.Append("<form method=\"post\" action=\"/jobs/").Append(U(file.Name)).Append("/run\">").Append(Layout.Antiforgery(http))
                    .Append("<button type=\"submit\" id=\"run-now\">今すぐ実行 / Run now</button>")
                    .Append(window is { Open: false } ? " <span class=\"warn\">時間帯の外です: 次の画面でもう一度確認します / outside the window: you will be asked again</span>" : string.Empty)
                    .Append("</form>");
            }

            foreach (var lease in live)
            {
                body.Append("<form method=\"post\" action=\"/jobs/").Append(U(file.Name)).Append("/stop\">").Append(Layout.Antiforgery(http))
                    .Append("<input type=\"hidden\" name=\"runId\" value=\"").Append(E(lease.RunId)).Append("\">")
                    .Append("<button type=\"submit\" id=\"stop\">停止 (処理中のバッチを記録してから) / Stop (after the batch in hand)</button> ")
                    .Append("<span class=\"small\">実行 / run ").Append(E(lease.RunId)).Append("・ノード / node ").Append(E(lease.Node)).Append("</span></form>");
            }

            body.Append(await DeletionsSection.RenderAsync(http, job)).Append("</section>");
        }
        else if (live.Count > 0)
        {
            body.Append("<p>実行中 / running: ").Append(E(string.Join(", ", live.Select(l => $"{l.RunId} @ {l.Node}")))).Append("</p>");
        }

        var runs = ledger is null ? [] : await ledger.RecentRunsAsync(file.Name, 20, http.RequestAborted);
        body.Append("<section><h2>最近の実行 / Recent runs</h2>")
            .Append(Table("runs", ["開始 / Started", "結果 / Outcome", "ノード / Node", "件数 / Items", "終了 / Ended"],
                runs.Select(r => (IReadOnlyList<string>)
                [
                    $"<a href=\"/jobs/{U(file.Name)}/runs/{U(r.RunId)}\">{E(Jst(r.StartedUtc))}</a>",
                    OverviewPage.Outcome(r.Outcome) + (r.DryRun ? " (試行 / dry run)" : string.Empty),
                    E(r.Node), OverviewPage.Counts(r, r.Bytes), E(Jst(r.EndedUtc)),
                ]), "まだ実行されていません / never run"))
            .Append("</section>")
            .Append("<p><a href=\"/jobs/").Append(U(file.Name)).Append("/plan\">見積もり (dxmig plan) / Plan</a></p>");
        await Layout.WriteAsync(http, Layout.Page(http, $"ジョブ / Job: {file.Name}", body.ToString()));
    }

    private static string Notice(string? done) => done switch
    {
        "run" => "<p class=\"good\" id=\"notice\">実行を依頼しました。空いているノードが始めます / the run was requested: a free node starts it</p>",
        "stop" => "<p class=\"good\" id=\"notice\">停止を依頼しました。処理中のバッチを記録してから止まります / stop requested: the run stops after the batch in hand</p>",
        "confirm" => "<p class=\"good\" id=\"notice\">削除を確認しました。次の実行で削除されます / deletions confirmed: the next run carries them out</p>",
        _ => string.Empty,
    };
}

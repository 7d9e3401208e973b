using System.Globalization;
using System.Text;
using Dxmig.Platform.Ledger;
using Dxmig.Web.Data;
using Dxmig.Web.Live;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>
/// The overview: what runs now (live, per account: items, bytes, rate, time left), and every job with its next fire
/// (window and closed days applied, the skipped days and why) and its last run's outcome and accounting.
/// </summary>
internal static class OverviewPage
{
    public static async Task WriteAsync(HttpContext http)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        var feed = http.RequestServices.GetRequiredService<LiveFeed>();
        var body = new StringBuilder();
        body.Append("<section><h2>実行中 / Running now</h2><div id=\"live\" data-live=\"/live\">")
            .Append(Live(await feed.CurrentAsync(http.RequestAborted)))
            .Append("</div></section>");

        var rows = new List<IReadOnlyList<string>>();
        foreach (var job in data.Jobs())
        {
            rows.Add(await JobRowAsync(data, job, http.RequestAborted));
        }

        body.Append("<section><h2>ジョブ / Jobs</h2>")
            .Append(Table("jobs", ["ジョブ / Job", "種類 / Kind", "次の実行 / Next run", "前回 / Last run", "件数 / Items"], rows,
                $"ジョブファイルがありません ({data.Settings.JobsDirectory}) / no job files"))
            .Append("</section>");
        await Layout.WriteAsync(http, Layout.Page(http, "概要 / Overview", body.ToString(), "overview"));
    }

    private static async Task<IReadOnlyList<string>> JobRowAsync(ConsoleData data, ConsoleJob job, CancellationToken cancellationToken)
    {
        var link = $"<a href=\"/jobs/{U(job.Name)}\">{E(job.Name)}</a>";
        if (job.File is not { } file)
        {
            return [link, "?", $"<span class=\"bad\">読めません / cannot be read</span><pre class=\"small\">{E(job.Problem)}</pre>", "—", "—"];
        }

        var (next, skipped, gate) = data.Upcoming(file);
        var nextCell = new StringBuilder();
        if (gate is null)
        {
            nextCell.Append("予定なし (手動) / not scheduled (by hand)");
        }
        else
        {
            nextCell.Append(next is null ? "予定なし / nothing scheduled" : E(Jst(next.At))).Append(CultureInfo.InvariantCulture, $" <span class=\"small\">cron {E(gate.Cron)}</span>");
            if (skipped.Count > 0)
            {
                nextCell.Append("<ul class=\"skipped\">");
                foreach (var fire in skipped)
                {
                    nextCell.Append("<li>スキップ / skipped ").Append(E(Jst(fire.At))).Append(": ").Append(E(fire.SkipReason)).Append("</li>");
                }

                nextCell.Append("</ul>");
            }
        }

        var last = "まだ実行されていません / never run";
        var counts = "—";
        if (await data.LedgerAsync(file, cancellationToken) is { } ledger && await ledger.RecentRunsAsync(file.Name, 1, cancellationToken) is [var run, ..])
        {
            last = $"<a href=\"/jobs/{U(file.Name)}/runs/{U(run.RunId)}\">{E(Jst(run.StartedUtc))}</a> {Outcome(run.Outcome)}";
            counts = Counts(run, run.Bytes);
        }

        return [link, E(file.Kind), nextCell.ToString(), last, counts];
    }

    /// <summary>An outcome in words with its colour class.</summary>
    public static string Outcome(RunOutcome outcome) =>
        $"<span class=\"outcome {outcome.ToString().ToLowerInvariant()}\">{E(RunOutcomeWords.Text(outcome))}</span>";

    /// <summary>A run's accounting in one cell.</summary>
    public static string Counts(Dxmig.Platform.Pipeline.IRunCounts run, long bytes) =>
        $"読んだ / seen {N(run.Seen)}・移行 / loaded {N(run.Loaded)}・済 / already {N(run.AlreadyDone)}・スキップ / skipped {N(run.Skipped)}・" +
        $"<span class=\"{(run.Quarantined > 0 ? "warn" : string.Empty)}\">隔離 / quarantined {N(run.Quarantined)}</span>・{Bytes(bytes)}";

    /// <summary>The live view's table (the page's script redraws it from the event stream the same way).</summary>
    public static string Live(LiveSnapshot snapshot)
    {
        if (snapshot.Runs.Count == 0)
        {
            return "<p class=\"empty\" id=\"live-none\">実行中のジョブはありません / nothing is running</p>";
        }

        var html = new StringBuilder();
        foreach (var run in snapshot.Runs)
        {
            html.Append("<div class=\"run\" data-job=\"").Append(E(run.Job)).Append("\"><h3>").Append(E(run.Job))
                .Append(" <span class=\"small\">ノード / node ").Append(E(run.Node)).Append("・開始 / started ").Append(E(Jst(run.StartedUtc)))
                .Append("・アカウント / accounts ").Append(N(run.AccountsDone)).Append('/').Append(N(run.Accounts))
                .Append("・<span class=\"live-items\">").Append(N(run.Items)).Append("</span> 件 / items・").Append(Bytes(run.Bytes))
                .Append(run.Remaining is { } left ? "・残り約 / about " + Duration(left) + " left" : string.Empty)
                .Append("</span></h3>");
            html.Append(Table("live-" + run.Job, ["アカウント / Account", "件数 / Items", "容量 / Bytes", "速度 / Rate", "残り / ETA", "状態 / State"],
                run.Progress.Select(p => (IReadOnlyList<string>)
                [
                    E(p.Account), N(p.Items), Bytes(p.Bytes), Bytes((long)p.BytesPerSecond) + "/s",
                    p.Remaining is { } r ? Duration(r) : "—",
                    p.Finished ? E(p.Outcome) : "実行中 / running",
                ])));
            html.Append("</div>");
        }

        return html.ToString();
    }
}

using System.Globalization;
using System.Text;
using Dxmig.Jobs.Console;
using Dxmig.Platform.Ledger;
using Dxmig.Web.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>
/// One run: its accounting per account, its reconciliation report served in place (with the report's own CSP), its
/// quarantined items searched and paged on the server (the ledger answers one page at a time), its skips by rule, and
/// the end of its log.
/// </summary>
internal static class RunPage
{
    public const int PageSize = 50;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/jobs/{name}/runs/{runId}", (HttpContext http, string name, string runId) => WriteAsync(http, name, runId));
        app.MapGet("/jobs/{name}/runs/{runId}/report/{file}", (HttpContext http, string name, string runId, string file) => ReportAsync(http, name, runId, file));
        app.MapGet("/jobs/{name}/runs/{runId}/log", (HttpContext http, string name, string runId) => LogAsync(http, name, runId));
    }

    private static async Task WriteAsync(HttpContext http, string name, string runId)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        // The console's own open ledger (not one opened per call: closing a SQLite ledger clears the process's pools,
        // which a run going on in this process would feel).
        if (data.Find(name) is not { File: { } file } || !ConsoleQueries.IsRunId(runId) ||
            await data.LedgerAsync(file, http.RequestAborted) is not { } ledger ||
            await ledger.FindRunAsync(file.Name, runId, http.RequestAborted) is not { } run)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, $"{name} に実行 {runId} はありません / job {name} has no run {runId}");
            return;
        }

        var detail = new RunDetail(run, await ledger.RunAccountsAsync(runId, http.RequestAborted), ConsoleQueries.Files(file, runId));
        var body = new StringBuilder();
        body.Append("<dl class=\"facts\">")
            .Append("<dt>結果 / Outcome</dt><dd>").Append(OverviewPage.Outcome(run.Outcome)).Append(run.DryRun ? " (試行 / dry run)" : string.Empty).Append("</dd>")
            .Append("<dt>開始 / Started</dt><dd>").Append(E(Jst(run.StartedUtc))).Append("</dd>")
            .Append("<dt>終了 / Ended</dt><dd>").Append(E(Jst(run.EndedUtc))).Append("</dd>")
            .Append("<dt>ノード / Node</dt><dd>").Append(E(run.Node)).Append("</dd>")
            .Append("<dt>件数 / Items</dt><dd id=\"run-counts\">").Append(OverviewPage.Counts(run, run.Bytes)).Append("</dd>");
        if (run.Message is { Length: > 0 } message)
        {
            body.Append("<dt>メッセージ / Message</dt><dd>").Append(E(Dxmig.Platform.Logging.SecretMasker.Apply(message))).Append("</dd>");
        }

        body.Append("<dt>照合レポート / Report</dt><dd>")
            .Append(detail.Files.ReportHtml is null
                ? "なし / none"
                : $"<a id=\"report-link\" href=\"/jobs/{U(file.Name)}/runs/{U(runId)}/report/index.html\">開く / open</a>")
            .Append("</dd><dt>ログ / Log</dt><dd>")
            .Append(detail.Files.LogExists ? $"<a href=\"/jobs/{U(file.Name)}/runs/{U(runId)}/log\">末尾を見る / see the end</a>" : "なし / none")
            .Append("</dd></dl>");

        body.Append("<section><h2>アカウント別 / By account</h2>")
            .Append(Table("accounts", ["アカウント / Account", "結果 / Outcome", "件数 / Items", "メッセージ / Message"],
                detail.Accounts.Select(a => (IReadOnlyList<string>)
                    [E(a.Account), OverviewPage.Outcome(a.Outcome), OverviewPage.Counts(a, a.Bytes), E(Dxmig.Platform.Logging.SecretMasker.Apply(a.Message ?? string.Empty))])))
            .Append("</section>");

        // The quarantine: searched and paged by the ledger, whatever its size.
        var q = http.Request.Query["q"].ToString();
        var scope = http.Request.Query["scope"] == "job" ? null : runId;
        var page = int.TryParse(http.Request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? Math.Max(1, p) : 1;
        var found = await ledger.SearchItemsAsync(file.Name, ItemState.Quarantined, scope, code: null, text: q.Length == 0 ? null : q, (page - 1) * PageSize, PageSize, http.RequestAborted);
        body.Append("<section><h2>隔離 / Quarantined items</h2>")
            .Append("<form method=\"get\" id=\"search\"><input type=\"search\" name=\"q\" id=\"q\" value=\"").Append(E(q))
            .Append("\" placeholder=\"アカウント・ID・理由・説明 / account, id, reason, detail\"> <label><input type=\"checkbox\" name=\"scope\" value=\"job\"")
            .Append(scope is null ? " checked" : string.Empty).Append("> この実行以外も / every run of the job</label> ")
            .Append("<button type=\"submit\">検索 / Search</button></form>")
            .Append(Table("quarantine", ["アカウント / Account", "フォルダー / Container", "移行元 ID / Source key", "理由 / Reason", "説明 / Detail", "サイズ / Size", "日時 / When"],
                found.Items.Select(i => (IReadOnlyList<string>)
                [
                    E(i.Account), E(i.Container), E(i.NativeId), E(i.Code), E(Dxmig.Platform.Logging.SecretMasker.Apply(i.Message ?? string.Empty)),
                    Bytes(i.Size), E(Jst(i.UpdatedUtc)),
                ]), q.Length == 0 ? "隔離はありません / nothing quarantined" : "見つかりません / nothing matches"));
        var prefix = $"/jobs/{U(file.Name)}/runs/{U(runId)}?q={U(q)}{(scope is null ? "&scope=job" : string.Empty)}&";
        body.Append(AuditPage.Pager(prefix, page, found.Total, PageSize, found.TotalIsLowerBound));
        var skips = await ledger.CountByCodeAsync(file.Name, ItemState.Skipped, runId, http.RequestAborted);
        body.Append("</section><section><h2>ルールによるスキップ / Skipped by rule</h2>")
            .Append(Table("skips", ["ルール / Rule", "件数 / Items", "容量 / Bytes"],
                skips.Select(s => (IReadOnlyList<string>)[E(s.Code ?? "(なし / none)"), N(s.Count), Bytes(s.Bytes)]), "スキップはありません / nothing skipped"))
            .Append("</section>");
        await Layout.WriteAsync(http, Layout.Page(http, $"{file.Name}: 実行 / run {runId}", body.ToString()));
    }

    /// <summary>The run's report files, in place: only files of that run's report folder, with the report's own CSP.</summary>
    private static async Task ReportAsync(HttpContext http, string name, string runId, string fileName)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file } || !ConsoleQueries.IsRunId(runId) ||
            fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal) || fileName.StartsWith('.') ||
            !(fileName.EndsWith(".html", StringComparison.Ordinal) || fileName.EndsWith(".csv", StringComparison.Ordinal) || fileName.EndsWith(".json", StringComparison.Ordinal)))
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, "そのファイルはありません / no such file");
            return;
        }

        var folder = ConsoleQueries.Files(file, runId).ReportFolder;
        var path = Path.GetFullPath(Path.Combine(folder, fileName));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, "そのファイルはありません / no such file");
            return;
        }

        http.Response.Headers.ContentSecurityPolicy = SecurityHeaders.ReportPolicy;
        http.Response.ContentType = fileName.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8"
            : fileName.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        if (!fileName.EndsWith(".html", StringComparison.Ordinal))
        {
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        }

        await http.Response.SendFileAsync(path, http.RequestAborted);
    }

    /// <summary>The end of the run's log (masked), as text.</summary>
    private static async Task LogAsync(HttpContext http, string name, string runId)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file } || !ConsoleQueries.IsRunId(runId) ||
            await ConsoleQueries.ReadLogTailAsync(file, runId, ConsoleQueries.DefaultTailBytes, http.RequestAborted) is not { } tail)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, "ログはありません / there is no log");
            return;
        }

        var body = (tail.Truncated ? "<p class=\"small\">末尾のみ / the end only</p>" : string.Empty) + $"<pre id=\"log\">{E(tail.Text)}</pre>" +
                   $"<p><a href=\"/jobs/{U(file.Name)}/runs/{U(runId)}\">実行に戻る / back to the run</a></p>";
        await Layout.WriteAsync(http, Layout.Page(http, $"{file.Name}: ログ / log {runId}", body));
    }
}

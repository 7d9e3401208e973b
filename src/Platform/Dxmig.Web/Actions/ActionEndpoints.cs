using Dxmig.Web.Auth;
using Dxmig.Web.Data;
using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Actions;

/// <summary>
/// What an operator may do: run a job now (outside its window only after a second, explicit confirmation), stop a run
/// after the batch in hand, confirm held-back deletions by their count. Each is written to the audit log, done or not.
/// </summary>
internal static class ActionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/jobs/{name}/run", RunAsync).RequireAuthorization(ConsoleRoles.OperatorPolicy).RequireAntiforgery();
        app.MapPost("/jobs/{name}/stop", StopAsync).RequireAuthorization(ConsoleRoles.OperatorPolicy).RequireAntiforgery();
        app.MapPost("/jobs/{name}/deletions/{runId}/confirm", DeletionsSection.ConfirmAsync).RequireAuthorization(ConsoleRoles.OperatorPolicy).RequireAntiforgery();
    }

    private static async Task RunAsync(HttpContext http, string name)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file } job)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, $"ジョブ {name} はありません / there is no job {name}");
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var outside = form["outside"] == "yes";
        var (_, _, gate) = data.Upcoming(file);
        var window = gate?.Check(data.Settings.Time.GetUtcNow());
        if (window is { Open: false } && !outside)
        {
            // The second, explicit confirmation: nothing runs until the operator says yes to running outside the window.
            var body = $"<p class=\"warn\" id=\"outside-window\">{E(file.Name)} は今、実行時間帯の外です: {E(window.Reason)}<br>" +
                       $"{E(file.Name)} is outside its run window now. Running it now may load the servers during office hours.</p>" +
                       $"<form method=\"post\" action=\"/jobs/{U(file.Name)}/run\">{Layout.Antiforgery(http)}" +
                       "<input type=\"hidden\" name=\"outside\" value=\"yes\">" +
                       "<button type=\"submit\" id=\"confirm-outside\">時間帯の外で今すぐ実行する / Run now, outside the window</button> " +
                       $"<a href=\"/jobs/{U(file.Name)}\">やめる / cancel</a></form>";
            await Layout.WriteAsync(http, Layout.Page(http, "実行の確認 / Confirm the run", body));
            return;
        }

        var scheduler = http.RequestServices.GetRequiredService<IConsoleScheduler>();
        var refused = await scheduler.RunNowAsync(job.Path, ignoreWindow: outside, ConsoleRoles.Who(http.User), http.RequestAborted);
        await Audit.WriteAsync(http, outside ? "run-now-outside-window" : "run-now", file.Name, null, refused, refused is null ? "ok" : "refused");
        if (refused is not null)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status409Conflict, refused, $"/jobs/{U(file.Name)}");
            return;
        }

        http.Response.Redirect($"/jobs/{U(file.Name)}?done=run");
    }

    private static async Task StopAsync(HttpContext http, string name)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var runId = form["runId"].ToString();
        if (data.Find(name) is not { File: { } file } || await data.LedgerAsync(file, http.RequestAborted) is not { } ledger ||
            (await ledger.LiveLeasesAsync(file.Name, http.RequestAborted)).All(l => l.RunId != runId))
        {
            await Audit.WriteAsync(http, "stop", name, runId, "not running", "refused");
            await Layout.WriteProblemAsync(http, StatusCodes.Status409Conflict,
                $"{name} の実行 {runId} は実行中ではありません (もう終わったかもしれません) / run {runId} of {name} is not running (it may have ended)", $"/jobs/{U(name)}");
            return;
        }

        await http.RequestServices.GetRequiredService<IConsoleRecords>().RequestStopAsync(file.Name, runId, ConsoleRoles.Who(http.User), http.RequestAborted);
        await Audit.WriteAsync(http, "stop", file.Name, runId, null, "requested");
        http.Response.Redirect($"/jobs/{U(file.Name)}?done=stop");
    }
}

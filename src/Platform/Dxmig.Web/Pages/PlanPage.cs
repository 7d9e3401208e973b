using Dxmig.Web.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>
/// <c>dxmig plan JOB</c> in the browser: the same estimate the command prints (it reads the source's sizes, so it takes
/// as long as the command does), kept for ten minutes so a second look does not read the source again.
/// </summary>
internal static class PlanPage
{
    private static readonly TimeSpan Keep = TimeSpan.FromMinutes(10);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset At, string Text)> Cache = new(StringComparer.Ordinal);

    public static async Task WriteAsync(HttpContext http, string name)
    {
        var data = http.RequestServices.GetRequiredService<ConsoleData>();
        if (data.Find(name) is not { File: { } file } job)
        {
            await Layout.WriteProblemAsync(http, StatusCodes.Status404NotFound, $"ジョブ {name} はありません / there is no job {name}");
            return;
        }

        var now = data.Settings.Time.GetUtcNow();
        var fresh = http.Request.Query["refresh"] == "1";
        if (fresh || !Cache.TryGetValue(job.Path, out var cached) || now - cached.At > Keep)
        {
            cached = (now, await http.RequestServices.GetRequiredService<IConsoleScheduler>().PlanAsync(job.Path, http.RequestAborted));
            Cache[job.Path] = cached;
        }

        var body = $"<p class=\"small\">{E(Jst(cached.At))} に移行元を読んだ見積もり / estimated from the source at that time " +
                   $"(<a href=\"/jobs/{U(file.Name)}/plan?refresh=1\">読み直す / read again</a>)</p><pre id=\"plan\">{E(cached.Text)}</pre>" +
                   $"<p><a href=\"/jobs/{U(file.Name)}\">ジョブに戻る / back to the job</a></p>";
        await Layout.WriteAsync(http, Layout.Page(http, $"見積もり / Plan: {file.Name}", body));
    }
}

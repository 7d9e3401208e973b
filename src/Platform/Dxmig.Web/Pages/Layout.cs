using System.Text;
using Dxmig.Web.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>The frame of every console page: the navigation, who is signed in with which role, and sign-out.</summary>
internal static class Layout
{
    public static string Page(HttpContext http, string title, string body, string active = "")
    {
        ArgumentNullException.ThrowIfNull(http);
        var user = http.User;
        var role = user.FindFirst(ConsoleRoles.ClaimType)?.Value;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(E(title)).Append(" — dxmig</title>")
            .Append("<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/assets/console.css\">")
            // The script (the live view) is for signed-in people only; the sign-in page needs none.
            .Append(user.Identity?.IsAuthenticated == true ? "<script src=\"/assets/console.js\" defer></script>" : string.Empty)
            .Append("</head><body>")
            .Append("<header><a class=\"brand\" href=\"/\">dxmig</a><nav>")
            .Append(Nav("/", "概要 / Overview", active == "overview"))
            .Append(Nav("/calendar", "カレンダー / Calendar", active == "calendar"))
            .Append(Nav("/audit", "監査ログ / Audit log", active == "audit"))
            .Append("</nav>");
        if (user.Identity?.IsAuthenticated == true)
        {
            html.Append("<form class=\"who\" method=\"post\" action=\"/signout\">")
                .Append("<span id=\"who\">").Append(E(ConsoleRoles.Who(user))).Append("</span> <span id=\"role\" class=\"role\">")
                .Append(E(ConsoleRoles.Word(role))).Append("</span>")
                .Append(Antiforgery(http))
                .Append("<button type=\"submit\" class=\"link\">サインアウト / Sign out</button></form>");
        }

        html.Append("</header><main>").Append("<h1>").Append(E(title)).Append("</h1>").Append(body).Append("</main></body></html>");
        return html.ToString();
    }

    private static string Nav(string href, string text, bool current) =>
        $"<a href=\"{href}\"{(current ? " aria-current=\"page\"" : string.Empty)}>{E(text)}</a>";

    /// <summary>The hidden antiforgery field every form carries.</summary>
    public static string Antiforgery(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    public static async Task WriteAsync(HttpContext http, string html, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html);
    }

    public static Task WriteForbiddenAsync(HttpContext http) => WriteAsync(http, Page(http, "権限がありません / Not allowed",
        "<p class=\"bad\">この画面または操作には、あなたのロールでは使えないものが含まれます。必要なら管理者にオペレーター ロールの割り当てを依頼してください。<br>" +
        "This page or action needs a role you do not have. Ask an admin to assign you the operator role if you need it.</p>" +
        "<p><a href=\"/\">概要に戻る / back to the overview</a></p>"), StatusCodes.Status403Forbidden);

    /// <summary>A page saying what went wrong in plain words (an action refused, a run not found).</summary>
    public static Task WriteProblemAsync(HttpContext http, int status, string message, string? back = null) =>
        WriteAsync(http, Page(http, "できませんでした / Not done",
            $"<p class=\"bad\" id=\"problem\">{E(message)}</p><p><a href=\"{E(back ?? "/")}\">戻る / back</a></p>"), status);
}

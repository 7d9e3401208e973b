using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Dxmig.Web.Pages.Html;

namespace Dxmig.Web.Pages;

/// <summary>The sign-in page: Entra ID (when configured) and the local account form (when configured).</summary>
internal static class SignInPage
{
    public static Task WriteAsync(HttpContext http, string? returnUrl, string? message, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(http);
        var settings = http.RequestServices.GetRequiredService<WebConsoleSettings>();
        var back = SafeReturn(returnUrl);
        var body = new StringBuilder();
        if (status == StatusCodes.Status401Unauthorized)
        {
            body.Append("<p id=\"signin-needed\">この画面を見るにはサインインしてください / Sign in to see this page.</p>");
        }

        if (message is not null)
        {
            body.Append("<p class=\"bad\" id=\"signin-error\">").Append(E(message)).Append("</p>");
        }

        if (settings.Entra is not null)
        {
            body.Append("<p><a class=\"button\" id=\"signin-entra\" href=\"/signin/entra?returnUrl=").Append(U(back))
                .Append("\">Entra ID (職場のアカウント) でサインイン / Sign in with Entra ID</a></p>");
        }

        if (settings.LocalAccountsFile is not null)
        {
            body.Append("<form method=\"post\" action=\"/signin/local\" class=\"signin\" id=\"signin-local\">")
                .Append("<h2>ローカル アカウント / Local account</h2>")
                .Append("<label>名前 / Name <input id=\"username\" name=\"username\" autocomplete=\"username\" required></label>")
                .Append("<label>パスワード / Password <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>")
                .Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(E(back)).Append("\">")
                .Append(Layout.Antiforgery(http))
                .Append("<button type=\"submit\" id=\"signin\">サインイン / Sign in</button></form>");
        }

        return Layout.WriteAsync(http, Layout.Page(http, "サインイン / Sign in", body.ToString()), status);
    }

    public static Task WriteFailureAsync(HttpContext http, string message) =>
        WriteAsync(http, returnUrl: "/", message, StatusCodes.Status401Unauthorized);

    /// <summary>Only a path on this console (never another site: an open redirect).</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//", StringComparison.Ordinal) && !r.StartsWith("/\\", StringComparison.Ordinal)
            && !r.StartsWith("/signin", StringComparison.Ordinal) && !r.StartsWith("/signout", StringComparison.Ordinal)
            ? r
            : "/";
}

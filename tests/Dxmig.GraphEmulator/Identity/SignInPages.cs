using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dxmig.GraphEmulator.Http;
using Microsoft.AspNetCore.Http;

namespace Dxmig.GraphEmulator.Identity;

/// <summary>
/// The emulator's sign-in pages: plain HTML, Japanese first with English beside it, no external resource, a strict
/// Content-Security-Policy (the only script is the form_post page's one line, allowed by a per-response nonce, as a
/// browser with JavaScript sees Entra ID's own form_post page submit itself), never cached and never framed.
/// </summary>
internal static class SignInPages
{
    /// <summary>The sign-in form: <c>username</c>, <c>password</c>, button <c>signin</c>; it posts to
    /// <paramref name="action"/> with the pending request's <c>ctx</c>. Its policy's <c>form-action</c> also names the
    /// app's origin (<paramref name="redirectUri"/>): browsers apply it to the redirect that answers the form too.</summary>
    public static Task WriteSignInFormAsync(HttpContext http, string action, string ctx, string appName, string userName, string? error, string redirectUri)
    {
        var body = new StringBuilder();
        body.Append("<h1>サインイン / Sign in</h1>\n");
        body.Append("<p id=\"app\">アプリケーション / Application: ").Append(E(appName)).Append("</p>\n");
        if (error is not null)
        {
            body.Append("<p id=\"error\" role=\"alert\">").Append(E(error)).Append("</p>\n");
        }

        body.Append("<form method=\"post\" action=\"").Append(E(action)).Append("\">\n");
        body.Append("<input type=\"hidden\" name=\"ctx\" value=\"").Append(E(ctx)).Append("\">\n");
        body.Append("<p><label for=\"username\">ユーザー名 / User name</label><br>");
        body.Append("<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" required value=\"").Append(E(userName)).Append("\"></p>\n");
        body.Append("<p><label for=\"password\">パスワード / Password</label><br>");
        body.Append("<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\n");
        body.Append("<p><button id=\"signin\" type=\"submit\">サインイン / Sign in</button></p>\n");
        body.Append("</form>\n");
        body.Append("<p class=\"note\">dxmig Graph エミュレーター (テスト用の Entra ID) / dxmig Graph emulator (a test stand-in for Entra ID)</p>\n");
        return WriteAsync(http, 200, "サインイン / Sign in", body.ToString(), scriptNonce: null, formAction: "'self' " + Origin(redirectUri));
    }

    /// <summary>Entra ID's error page, for errors it cannot send back to the app (the app or its redirect URI is not
    /// trusted) and for errors it shows the user itself.</summary>
    public static Task WriteErrorPageAsync(HttpContext http, EntraError error, DateTimeOffset now)
    {
        var body = new StringBuilder();
        body.Append("<h1>サインインできません / Sorry, but we're having trouble signing you in.</h1>\n");
        body.Append("<p id=\"error\" role=\"alert\">").Append(E(error.Description(now, out _))).Append("</p>\n");
        return WriteAsync(http, error.Status, "エラー / Error", body.ToString(), scriptNonce: null, formAction: "'none'");
    }

    /// <summary>The <c>response_mode=form_post</c> answer: a form of hidden fields posted to the redirect URI by one
    /// line of script (allowed by nonce), with a button for a browser without script.</summary>
    public static Task WriteFormPostAsync(HttpContext http, string redirectUri, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var nonce = TokenService.Base64Url(RandomNumberGenerator.GetBytes(16));
        var body = new StringBuilder();
        body.Append("<form method=\"post\" name=\"hiddenform\" action=\"").Append(E(redirectUri)).Append("\">\n");
        foreach (var (name, value) in fields)
        {
            body.Append("<input type=\"hidden\" name=\"").Append(E(name)).Append("\" value=\"").Append(E(value)).Append("\">\n");
        }

        body.Append("<noscript><p>スクリプトが無効です。続けるには送信を押してください。 / Script is disabled. Click Submit to continue.</p>");
        body.Append("<input type=\"submit\" value=\"送信 / Submit\"></noscript>\n</form>\n");
        body.Append("<script nonce=\"").Append(nonce).Append("\">document.forms[0].submit();</script>\n");
        return WriteAsync(http, 200, "処理中 / Working...", body.ToString(), scriptNonce: nonce, formAction: Origin(redirectUri));
    }

    /// <summary>The page the logout endpoint shows when it has nowhere (trusted) to send the browser back to.</summary>
    public static Task WriteSignedOutAsync(HttpContext http, string? refused)
    {
        var body = new StringBuilder();
        body.Append("<h1>サインアウトしました / You signed out of your account</h1>\n");
        if (refused is not null)
        {
            body.Append("<p id=\"error\" role=\"alert\">").Append(E(refused)).Append("</p>\n");
        }

        return WriteAsync(http, 200, "サインアウト / Signed out", body.ToString(), scriptNonce: null, formAction: "'none'");
    }

    private static async Task WriteAsync(HttpContext http, int status, string title, string body, string? scriptNonce, string formAction)
    {
        var styleNonce = TokenService.Base64Url(RandomNumberGenerator.GetBytes(16));
        var csp = $"default-src 'none'; style-src 'nonce-{styleNonce}'; {(scriptNonce is null ? "" : $"script-src 'nonce-{scriptNonce}'; ")}form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.Headers.Pragma = "no-cache";
        http.Response.Headers.ContentSecurityPolicy = csp;
        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        var html = $"""
            <!DOCTYPE html>
            <html lang="ja">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)}</title>
            <style nonce="{styleNonce}">body{"{"}font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em{"}"} #error{"{"}color:#a80000{"}"} .note{"{"}color:#666;font-size:small{"}"}</style>
            </head>
            <body>
            <main>
            {body}</main>
            </body>
            </html>

            """;
        await http.Response.WriteAsync(html, http.RequestAborted);
    }

    private static string Origin(string uri) => new Uri(uri).GetLeftPart(UriPartial.Authority);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

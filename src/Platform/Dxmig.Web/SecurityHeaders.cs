using Microsoft.AspNetCore.Http;

namespace Dxmig.Web;

/// <summary>
/// The headers every answer carries: a strict Content-Security-Policy (scripts and styles only from the console
/// itself, no inline code, no frames, forms only to itself), no sniffing, no referrer, no caching of pages, and HSTS
/// on HTTPS. A reconciliation report keeps its own policy (<see cref="ReportPolicy"/>).
/// </summary>
internal static class SecurityHeaders
{
    public const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The report's own policy (its inline style and script, as written in its meta tag), framed by nobody.</summary>
    public const string ReportPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

    public static Task Apply(HttpContext http, Func<Task> next)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        if (http.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }

        return next();
    }
}

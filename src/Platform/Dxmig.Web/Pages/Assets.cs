using Microsoft.AspNetCore.Http;

namespace Dxmig.Web.Pages;

/// <summary>The console's one stylesheet and one script, embedded in the binary (nothing from another site).</summary>
internal static class Assets
{
    public static async Task WriteAsync(HttpContext http, string name, string contentType)
    {
        await using var stream = typeof(Assets).Assembly.GetManifestResourceStream("Dxmig.Web.Assets." + name)
            ?? throw new InvalidOperationException($"asset {name} is missing from the build");
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = "private, max-age=300";
        await stream.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}

using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// SharePoint sites, as "Get a site resource" and "List available drives" document them: <c>GET /sites/{site-id}</c>
/// (the composite id <c>{hostname},{siteCollectionId},{webId}</c>), <c>GET /sites/{hostname}</c> and
/// <c>/sites/root</c> (the root site at '/'), <c>GET /sites/{hostname}:/{server-relative-path}</c> (also with the
/// path's <c>:</c> and <c>/</c> percent-encoded in one segment, as the Graph SDK sends a site key, and with or without
/// a closing <c>:</c>), and <c>GET /sites/{site-id}/drives</c> (the site's document libraries, driveType
/// documentLibrary, paged). The libraries themselves are served by <see cref="DriveHandlers"/> under
/// <c>/sites/{site-id}/drive</c>, <c>/sites/{site-id}/drives/{drive-id}</c> and <c>/drives/{drive-id}</c>. An
/// unknown site is 404 itemNotFound "Requested site could not be found" (the service's wording; the code is not
/// documented). A path address followed by more (<c>…:/sites/somu:/drive</c>) is not served here: 400 says so.
/// Permissions: the emulator checks the bearer token (its issuer, audience and expiry) and no app roles, as for every
/// other resource; the documented application permissions are Sites.Read.All / Sites.ReadWrite.All (sites) and
/// Files.ReadWrite.All or Sites.ReadWrite.All (drives).
/// </summary>
internal static class SiteHandlers
{
    public static IEnumerable<Route> Routes() =>
    [
        new Route("GET", "sites/{site}/{*path}", DriveOperations.GetSite, GetByPath, outlook: false) { When = v => v["site"].EndsWith(':') },
        new Route("GET", "sites/{site}", DriveOperations.GetSite, Get, outlook: false),
        new Route("GET", "sites/{site}/drives", DriveOperations.ListDrives, ListDrives, outlook: false),
    ];

    /// <summary>The site named by a <c>{site}</c> path value (composite id, host name, root, or an encoded path address).</summary>
    public static SiteEntity Site(RouteContext c, string value)
    {
        var decoded = Uri.UnescapeDataString(value);
        var colon = decoded.IndexOf(":/", StringComparison.Ordinal);
        if (colon > 0)
        {
            return ByPath(c, decoded[..colon], decoded[(colon + 1)..]);
        }

        var drives = c.Emulator.Store.Drives;
        if (decoded.EndsWith(':'))
        {
            throw GraphErrorException.BadRequest($"Resource not found for the segment '{value}'.");
        }

        if (string.Equals(decoded, "root", StringComparison.OrdinalIgnoreCase))
        {
            return drives.RootSite() ?? throw NotFound();
        }

        return decoded.Contains(',', StringComparison.Ordinal)
            ? drives.FindSite(decoded) ?? throw NotFound()
            : drives.FindSite(decoded, "/") ?? throw NotFound();
    }

    public static GraphErrorException NotFound() => new(404, "itemNotFound", "Requested site could not be found");

    private static SiteEntity ByPath(RouteContext c, string hostname, string path)
    {
        var trimmed = path.EndsWith(':') ? path[..^1] : path;
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            throw new GraphErrorException(400, "invalidRequest",
                "A site path address followed by more segments (…:/path:/drive) is not served by the Graph emulator; get the site, then use /sites/{site-id}/….");
        }

        var normalized = "/" + trimmed.Trim('/');
        return c.Emulator.Store.Drives.FindSite(hostname, normalized) ?? throw NotFound();
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        return GraphResponse.Ok(Render(c, Site(c, c.Value("site"))));
    }

    private static GraphResponse GetByPath(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var host = Uri.UnescapeDataString(c.Value("site"))[..^1];
        return GraphResponse.Ok(Render(c, ByPath(c, host, "/" + Uri.UnescapeDataString(c.Value("path")))));
    }

    private static GraphResponse ListDrives(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var site = Site(c, c.Value("site"));
        var page = ODataQuery.Page(c, site.Drives, 200, 999, d => DriveHandlers.RenderDrive(c, d));
        page.Insert(0, "@odata.context", c.Emulator.GraphBase + "/$metadata#drives");
        return GraphResponse.Ok(page);
    }

    private static JsonObject Render(RouteContext c, SiteEntity site) => new()
    {
        ["@odata.context"] = c.Emulator.GraphBase + "/$metadata#sites/$entity",
        ["id"] = site.Id,
        ["name"] = site.Name,
        ["displayName"] = site.DisplayName,
        ["webUrl"] = WebUrl(site),
        ["createdDateTime"] = GraphJson.Iso(site.Created),
        ["lastModifiedDateTime"] = GraphJson.Iso(site.Created),
        ["siteCollection"] = new JsonObject { ["hostname"] = site.Hostname },
    };

    /// <summary>https://{hostname}{path}: what the service answers (not a loopback address; nothing fetches it).</summary>
    public static string WebUrl(SiteEntity site) => "https://" + site.Hostname + (site.ServerRelativePath == "/" ? string.Empty : site.ServerRelativePath);
}

using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary><c>/users</c> and <c>/users/{id|upn}</c> (directory, not Outlook: no mailbox throttling).</summary>
internal static class UserHandlers
{
    private static readonly HashSet<string> Selectable = new(StringComparer.Ordinal)
    {
        "id", "userPrincipalName", "mail", "displayName", "givenName", "surname", "jobTitle", "mobilePhone",
        "officeLocation", "preferredLanguage", "businessPhones", "accountEnabled", "mailboxSettings",
    };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("GET", "users", Operations.ListUsers, List, outlook: false),
        new Route("GET", "users/{user}", Operations.GetUser, Get, outlook: false),
        new Route("GET", "me", Operations.GetUser, _ => throw GraphErrorException.BadRequest("/me request is only valid with delegated authentication flow."), outlook: false),
    ];

    private static GraphResponse List(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, "microsoft.graph.user");
        if (c.Request.QueryValue("$count") is not null && !string.Equals(c.Request.Headers.GetValueOrDefault("ConsistencyLevel"), "eventual", StringComparison.OrdinalIgnoreCase))
        {
            // Directory objects need ConsistencyLevel: eventual for $count (advanced queries).
            throw new GraphErrorException(400, "Request_BadRequest", "$count is only supported with the ConsistencyLevel:eventual header.");
        }

        var terms = ODataQuery.Filter(c.Request, new HashSet<string>(StringComparer.Ordinal) { "userPrincipalName", "mail", "displayName" });
        var users = c.Emulator.Store.Users.Where(u => ItemSupport.Matches(terms, Render(u, null), [])).ToList();
        return GraphResponse.Ok(ODataQuery.Page(c, users, 100, 999, u => Render(u, select)));
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, "microsoft.graph.user");
        return GraphResponse.Ok(Render(c.RequireMailbox.User, select));
    }

    private static JsonObject Render(StoredUser u, HashSet<string>? select)
    {
        var all = new JsonObject
        {
            ["businessPhones"] = new JsonArray(),
            ["displayName"] = u.DisplayName,
            ["givenName"] = null,
            ["jobTitle"] = null,
            ["mail"] = u.Mail,
            ["mobilePhone"] = null,
            ["officeLocation"] = null,
            ["preferredLanguage"] = "ja-JP",
            ["surname"] = null,
            ["userPrincipalName"] = u.UserPrincipalName,
            ["id"] = u.Id,
        };
        if (select is null)
        {
            return all;
        }

        var picked = new JsonObject { ["id"] = u.Id };
        foreach (var name in select)
        {
            picked[name] = all[name]?.DeepClone();
        }

        return picked;
    }
}

using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary><c>/users</c> and <c>/users/{id|upn}</c> (directory, not Outlook: no mailbox throttling).</summary>
internal static class UserHandlers
{
    private static readonly HashSet<string> Selectable = new(StringComparer.Ordinal)
    {
        "id", "userPrincipalName", "mail", "displayName", "givenName", "surname", "jobTitle", "mobilePhone",
        "officeLocation", "preferredLanguage", "businessPhones", "accountEnabled", "mailboxSettings", "department", "employeeId",
    };

    /// <summary>
    /// String attributes <c>PATCH /users/{id}</c> accepts here, with the maximum lengths Graph documents for them
    /// (employeeId 16, department 64, jobTitle 128, displayName 256).
    /// </summary>
    private static readonly Dictionary<string, int> Writable = new(StringComparer.Ordinal)
    {
        ["department"] = 64,
        ["jobTitle"] = 128,
        ["officeLocation"] = 128,
        ["employeeId"] = 16,
        ["displayName"] = 256,
        ["givenName"] = 64,
        ["surname"] = 64,
        ["mobilePhone"] = 64,
        ["preferredLanguage"] = 64,
    };

    /// <summary>Attributes Graph computes or assigns itself: a PATCH naming one is refused.</summary>
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "id", "createdDateTime", "mail", "proxyAddresses", "onPremisesSyncEnabled", "onPremisesLastSyncDateTime",
        "onPremisesSecurityIdentifier", "deletedDateTime", "assignedLicenses", "assignedPlans", "provisionedPlans",
        "securityIdentifier", "signInSessionsValidFromDateTime", "creationType", "externalUserState",
    };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("GET", "users", Operations.ListUsers, List, outlook: false),
        new Route("GET", "users/{user}", Operations.GetUser, Get, outlook: false),
        new Route("PATCH", "users/{user}", Operations.UpdateUser, Patch, outlook: false),
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
        var users = c.Emulator.Store.Users.Select(u => c.Emulator.Store.Find(u.Id)!).Where(u => ItemSupport.Matches(terms, Render(u, null), [])).ToList();
        return GraphResponse.Ok(ODataQuery.Page(c, users, 100, 999, u => Render(u, select)));
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, "microsoft.graph.user");
        return GraphResponse.Ok(Render(c.RequireMailbox, select));
    }

    /// <summary>
    /// <c>PATCH /users/{id}</c> as Graph answers it: 204 with no body; unknown or read-only properties, a value of the
    /// wrong type or over its maximum length, and more than one business phone are refused with 400, changing nothing.
    /// </summary>
    private static GraphResponse Patch(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        foreach (var (name, value) in body)
        {
            if (ReadOnly.Contains(name))
            {
                throw new GraphErrorException(400, "Request_BadRequest", $"Property '{name}' is read-only and cannot be set.");
            }

            if (name == "businessPhones")
            {
                if (value is not JsonArray phones || phones.Any(p => p is not JsonValue v || !v.TryGetValue<string>(out _)))
                {
                    throw new GraphErrorException(400, "Request_BadRequest", "Invalid value specified for property 'businessPhones' of resource 'User'.");
                }

                if (phones.Count > 1)
                {
                    throw new GraphErrorException(400, "Request_BadRequest", "Only one business phone number can be set on a user.");
                }

                continue;
            }

            if (!Writable.TryGetValue(name, out var max))
            {
                throw new GraphErrorException(400, "Request_BadRequest", $"Property '{name}' does not exist as a declared property or extension property.");
            }

            if (value is not null && (value is not JsonValue text || !text.TryGetValue<string>(out var s)))
            {
                throw new GraphErrorException(400, "Request_BadRequest", $"Invalid value specified for property '{name}' of resource 'User'.");
            }

            var length = value?.GetValue<string>().Length ?? 0;
            if (length > max)
            {
                throw new GraphErrorException(400, "Request_BadRequest", $"Invalid value specified for property '{name}' of resource 'User'. The maximum length is {max}.");
            }

            if (name == "displayName" && length == 0)
            {
                throw new GraphErrorException(400, "Request_BadRequest", "Invalid value specified for property 'displayName' of resource 'User'.");
            }
        }

        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            foreach (var (name, value) in body)
            {
                m.Profile[name] = value?.DeepClone();
            }

            m.ProfilePatches.Add((JsonObject)body.DeepClone());
        }

        return GraphResponse.NoContent();
    }

    private static JsonObject Render(Store.MailboxEntity m, HashSet<string>? select)
    {
        var u = m.User;
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
        lock (m.Gate)
        {
            foreach (var (name, value) in m.Profile)
            {
                all[name] = value?.DeepClone();
            }
        }

        if (select is null)
        {
            all.Remove("department");
            all.Remove("employeeId");
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

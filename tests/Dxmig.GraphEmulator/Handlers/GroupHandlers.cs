using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// <c>/groups</c>: security groups and their members, as Graph documents them. Create (<c>POST /groups</c>: displayName,
/// mailEnabled, mailNickname, securityEnabled required; only security groups, mailEnabled false), list with
/// <c>$filter=displayName eq '…'</c>, add members with <c>PATCH /groups/{id}</c> and <c>members@odata.bind</c> (at most
/// 20 references a request: "you can add up to only 20 members"; all or nothing), remove one with
/// <c>DELETE /groups/{id}/members/{id}/$ref</c>, list members with paging and <c>$select</c>. A member already there:
/// 400 "One or more added object references already exist…"; a reference to nothing: 404 Request_ResourceNotFound;
/// a group created less than <see cref="GroupDirectory.ReplicationDelay"/> ago: 400 Request_ResourceNotFound "The
/// source resource object or one of the objects being referenced do not exist." (the documented replication delay).
/// </summary>
internal static class GroupHandlers
{
    /// <summary>Graph: "When using the API to add multiple members in one request, you can add up to only 20 members."</summary>
    public const int MaxMemberReferences = 20;

    private static readonly HashSet<string> Creatable = new(StringComparer.Ordinal)
    {
        "displayName", "description", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes",
    };

    private static readonly HashSet<string> Patchable = new(StringComparer.Ordinal) { "displayName", "description", "members@odata.bind" };

    private static readonly HashSet<string> GroupSelectable = new(StringComparer.Ordinal)
    {
        "id", "displayName", "description", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes", "createdDateTime",
    };

    private static readonly HashSet<string> MemberSelectable = new(StringComparer.Ordinal) { "id", "displayName", "userPrincipalName", "mail" };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("POST", "groups", "createGroup", Guarded(Create), outlook: false),
        new Route("GET", "groups", "listGroups", Guarded(List), outlook: false),
        new Route("GET", "groups/{group}", "getGroup", Guarded(Get), outlook: false),
        new Route("PATCH", "groups/{group}", "updateGroup", Guarded(Patch), outlook: false),
        new Route("GET", "groups/{group}/members", "listMembers", Guarded(Members), outlook: false),
        new Route("DELETE", "groups/{group}/members/{member}/$ref", "removeMember", Guarded(RemoveMember), outlook: false),
    ];

    /// <summary>Directory throttling as Graph answers it: 429 with Retry-After.</summary>
    internal static Func<RouteContext, GraphResponse> Guarded(Func<RouteContext, GraphResponse> handler) => c =>
        c.Emulator.Store.Groups.TakeThrottle() is { } seconds
            ? throw new GraphErrorException(429, "TooManyRequests", "Too many requests.") { RetryAfterSeconds = seconds }
            : handler(c);

    private static GraphResponse Create(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, Creatable, "microsoft.graph.group");
        var displayName = GraphJson.OptionalString(body, "displayName", "microsoft.graph.group");
        var nickname = GraphJson.OptionalString(body, "mailNickname", "microsoft.graph.group");
        var mailEnabled = GraphJson.OptionalBool(body, "mailEnabled", "microsoft.graph.group");
        var securityEnabled = GraphJson.OptionalBool(body, "securityEnabled", "microsoft.graph.group");
        if (string.IsNullOrWhiteSpace(displayName) || nickname is null || mailEnabled is null || securityEnabled is null)
        {
            throw new GraphErrorException(400, "Request_BadRequest", "A value is required for property 'displayName', 'mailEnabled', 'mailNickname' and 'securityEnabled' of resource 'Group'.");
        }

        if (body["groupTypes"] is JsonArray { Count: > 0 } || mailEnabled.Value || !securityEnabled.Value)
        {
            // This emulator serves security groups only (what dxmig creates): mail-enabled and Microsoft 365 groups are refused.
            throw new GraphErrorException(400, "Request_BadRequest", "Only security groups (securityEnabled true, mailEnabled false, no groupTypes) are served by the Graph emulator.");
        }

        if (displayName.Length > 256)
        {
            throw new GraphErrorException(400, "Request_BadRequest", "Invalid value specified for property 'displayName' of resource 'Group'. The maximum length is 256.");
        }

        // Graph: mailNickname at most 64 characters, ASCII 0-127 except @ () \ [] " ; : <> , SPACE.
        if (nickname.Length is 0 or > 64 || nickname.Any(ch => ch > 127 || ch <= ' ' || "@()\\[]\";:<>,".Contains(ch, StringComparison.Ordinal)))
        {
            throw new GraphErrorException(400, "Request_BadRequest", "Invalid value specified for property 'mailNickname' of resource 'Group'.");
        }

        var group = c.Emulator.Store.Groups.Create(displayName, nickname, GraphJson.OptionalString(body, "description", "microsoft.graph.group"), c.Now);
        return GraphResponse.Created(Render(c, group, null));
    }

    private static GraphResponse List(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, GroupSelectable, "microsoft.graph.group");
        var terms = ODataQuery.Filter(c.Request, new HashSet<string>(StringComparer.Ordinal) { "displayName", "mailNickname" });
        var groups = c.Emulator.Store.Groups.Read(all => all.OrderBy(g => g.Created).ThenBy(g => g.Id, StringComparer.Ordinal)
            .Select(g => Render(c, g, null)).Where(g => ItemSupport.Matches(terms, g, [])).ToList());
        return GraphResponse.Ok(ODataQuery.Page(c, groups, 100, 999, g => Pick(g, select)));
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, GroupSelectable, "microsoft.graph.group");
        return GraphResponse.Ok(Pick(c.Emulator.Store.Groups.Read(_ => Render(c, Require(c), null)), select));
    }

    private static GraphResponse Patch(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        foreach (var (name, _) in body)
        {
            if (!Patchable.Contains(name))
            {
                throw GraphErrorException.BodyRead($"The property '{name}' does not exist on type 'microsoft.graph.group' or cannot be updated here.");
            }
        }

        var directory = c.Emulator.Store.Groups;
        List<string> references = [];
        if (body["members@odata.bind"] is { } bind)
        {
            if (bind is not JsonArray array || array.Any(r => r is not JsonValue v || !v.TryGetValue<string>(out _)))
            {
                throw GraphErrorException.BodyRead("'members@odata.bind' must be an array of directory object URLs.");
            }

            references = [.. array.Select(r => r!.GetValue<string>())];
            directory.ObserveBind(references.Count);
            if (references.Count > MaxMemberReferences)
            {
                throw new GraphErrorException(400, "Request_BadRequest",
                    $"The request has {references.Count} object references; up to {MaxMemberReferences} members can be added in one request.");
            }
        }

        var ids = references.Select(r => MemberId(c, r)).ToList();
        return directory.Write(groups =>
        {
            var group = Require(c);
            if (ids.Count > 0 && c.Now - group.Created < directory.ReplicationDelay)
            {
                directory.CountReplicationRefusal();
                throw new GraphErrorException(400, "Request_ResourceNotFound", "The source resource object or one of the objects being referenced do not exist.");
            }

            foreach (var id in ids)
            {
                if (c.Emulator.Store.FindUser(id) is null && !groups.ContainsKey(id))
                {
                    throw new GraphErrorException(404, "Request_ResourceNotFound", $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");
                }
            }

            if (ids.Distinct(StringComparer.OrdinalIgnoreCase).Count() != ids.Count || ids.Any(id => group.Members.Contains(id, StringComparer.OrdinalIgnoreCase)))
            {
                throw new GraphErrorException(400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.");
            }

            group.Members.AddRange(ids);
            if (GraphJson.OptionalString(body, "displayName", "microsoft.graph.group") is { } name)
            {
                group.DisplayName = name;
            }

            if (body.ContainsKey("description"))
            {
                group.Description = GraphJson.OptionalString(body, "description", "microsoft.graph.group");
            }

            return GraphResponse.NoContent();
        });
    }

    private static GraphResponse RemoveMember(RouteContext c)
    {
        var member = c.Value("member");
        return c.Emulator.Store.Groups.Write(_ =>
        {
            var group = Require(c);
            var index = group.Members.FindIndex(m => m.Equals(member, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                throw new GraphErrorException(404, "Request_ResourceNotFound", $"Resource '{member}' does not exist or one of its queried reference-property objects are not present.");
            }

            group.Members.RemoveAt(index);
            return GraphResponse.NoContent();
        });
    }

    private static GraphResponse Members(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, MemberSelectable, "microsoft.graph.directoryObject");
        var ids = c.Emulator.Store.Groups.Read(_ => Require(c).Members.ToList());
        var members = ids.Select(id => c.Emulator.Store.FindUser(id)).OfType<StoredUser>().ToList();
        return GraphResponse.Ok(ODataQuery.Page(c, members, 100, 999, u =>
        {
            var all = new JsonObject
            {
                ["@odata.type"] = "#microsoft.graph.user",
                ["id"] = u.Id,
                ["displayName"] = u.DisplayName,
                ["userPrincipalName"] = u.UserPrincipalName,
                ["mail"] = u.Mail,
            };
            return select is null ? all : Pick(all, select);
        }));
    }

    /// <summary>The object id in a reference URL (<c>https://graph.microsoft.com/v1.0/directoryObjects/{id}</c>, or <c>users/{id}</c>).</summary>
    private static string MemberId(RouteContext c, string reference)
    {
        var bases = new[] { "https://graph.microsoft.com/v1.0/", c.Emulator.GraphBase + "/" };
        foreach (var prefix in bases)
        {
            foreach (var kind in new[] { "directoryObjects/", "users/" })
            {
                if (reference.StartsWith(prefix + kind, StringComparison.OrdinalIgnoreCase) && reference[(prefix + kind).Length..] is { Length: > 0 } id && !id.Contains('/', StringComparison.Ordinal))
                {
                    // A user reference by UPN resolves to its id; an id stays as it is.
                    return c.Emulator.Store.FindUser(id)?.Id ?? id;
                }
            }
        }

        throw new GraphErrorException(400, "Request_BadRequest", $"Invalid object identifier '{reference}'.");
    }

    private static GroupEntity Require(RouteContext c) =>
        c.Emulator.Store.Groups.Read(all => all.FirstOrDefault(g => g.Id.Equals(c.Value("group"), StringComparison.OrdinalIgnoreCase)))
        ?? throw new GraphErrorException(404, "Request_ResourceNotFound", $"Resource '{c.Value("group")}' does not exist or one of its queried reference-property objects are not present.");

    private static JsonObject Render(RouteContext c, GroupEntity g, HashSet<string>? select) => Pick(new JsonObject
    {
        ["id"] = g.Id,
        ["displayName"] = g.DisplayName,
        ["description"] = g.Description,
        ["mailEnabled"] = false,
        ["mailNickname"] = g.MailNickname,
        ["securityEnabled"] = true,
        ["groupTypes"] = new JsonArray(),
        ["createdDateTime"] = g.Created == DateTimeOffset.MinValue ? null : GraphJson.Iso(g.Created),
    }, select);

    private static JsonObject Pick(JsonObject all, HashSet<string>? select)
    {
        if (select is null)
        {
            return all;
        }

        var picked = new JsonObject { ["id"] = all["id"]?.DeepClone() };
        foreach (var name in select)
        {
            picked[name] = all[name]?.DeepClone();
        }

        return picked;
    }
}

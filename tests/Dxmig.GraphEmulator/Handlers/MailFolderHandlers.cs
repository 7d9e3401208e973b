using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary><c>/users/{u}/mailFolders</c>: top-level list (default page 10), get by id or well-known name, child
/// folders, create (409 ErrorFolderExists for a sibling of the same name, compared case-insensitively as Exchange does).</summary>
internal static class MailFolderHandlers
{
    public const int DefaultPageSize = 10;

    private const string FolderType = "microsoft.graph.mailFolder";

    private const string ContactFolderType = "microsoft.graph.contactFolder";

    private static readonly HashSet<string> ContactFolderSelectable = new(StringComparer.Ordinal) { "id", "displayName", "parentFolderId" };

    private static readonly HashSet<string> Selectable = new(StringComparer.Ordinal)
    {
        "id", "displayName", "parentFolderId", "childFolderCount", "unreadItemCount", "totalItemCount", "isHidden",
    };

    private static readonly HashSet<string> Writable = new(StringComparer.Ordinal) { "displayName", "isHidden" };

    private static readonly HashSet<string> Filterable = new(StringComparer.Ordinal) { "displayName" };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("GET", "users/{user}/mailFolders", Operations.ListFolders, c => List(c, c.RequireMailbox.MailRoot.Id, mail: true)),
        new Route("POST", "users/{user}/mailFolders", Operations.CreateFolder, c => Create(c, c.RequireMailbox.MailRoot.Id, mail: true)),
        new Route("GET", "users/{user}/mailFolders/{folder}", Operations.GetFolder, Get),
        new Route("GET", "users/{user}/mailFolders/{folder}/childFolders", Operations.ListFolders, c => List(c, Resolve(c).Id, mail: true)),
        new Route("POST", "users/{user}/mailFolders/{folder}/childFolders", Operations.CreateFolder, c => Create(c, Resolve(c).Id, mail: true)),
    ];

    /// <summary>The folder of <c>{folder}</c> (id or well-known name); 400 for a malformed id, 404 for an unknown one.
    /// Call under the mailbox lock or accept a racy read (handlers lock around it).</summary>
    public static FolderEntity Resolve(RouteContext c) => Resolve(c.RequireMailbox, c.Value("folder"));

    public static FolderEntity Resolve(MailboxEntity m, string idOrWellKnown)
    {
        lock (m.Gate)
        {
            var f = m.FindMailFolder(idOrWellKnown);
            if (f is not null)
            {
                return f;
            }
        }

        ItemSupport.CheckId(idOrWellKnown);
        throw ItemSupport.NotFound();
    }

    /// <summary>Lists the child folders of a mail folder (<paramref name="mail"/>) or a contact folder.</summary>
    public static GraphResponse List(RouteContext c, string parentId, bool mail)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, mail ? Selectable : ContactFolderSelectable, mail ? FolderType : ContactFolderType);
        var terms = ODataQuery.Filter(c.Request, Filterable);
        var m = c.RequireMailbox;
        List<JsonObject> rendered;
        lock (m.Gate)
        {
            rendered = (mail ? m.MailFolders : m.ContactFolders).Values
                .Where(f => f.ParentId == parentId)
                .OrderBy(f => f.Sequence)
                .Select(f => Render(m.Snapshot(f, mail), null, mail))
                .Where(o => ItemSupport.Matches(terms, o, []))
                .ToList();
        }

        return GraphResponse.Ok(ODataQuery.Page(c, rendered, DefaultPageSize, 1000, o => Pick(o, select)));
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, FolderType);
        var m = c.RequireMailbox;
        var f = Resolve(c);
        lock (m.Gate)
        {
            return GraphResponse.Ok(Render(m.Snapshot(f, mail: true), select, mail: true));
        }
    }

    /// <summary>Creates a mail folder (<paramref name="mail"/>) or contact folder under a parent.</summary>
    public static GraphResponse Create(RouteContext c, string parentId, bool mail)
    {
        var type = mail ? FolderType : ContactFolderType;
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, mail ? Writable : ContactFolderSelectable, type);
        var name = GraphJson.OptionalString(body, "displayName", type);
        GraphJson.OptionalBool(body, "isHidden", type);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new GraphErrorException(400, "ErrorInvalidRequest", "The folder's displayName is required.");
        }

        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var folders = mail ? m.MailFolders : m.ContactFolders;
            if (folders.Values.Any(f => f.ParentId == parentId && string.Equals(f.DisplayName, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new GraphErrorException(409, "ErrorFolderExists", "A folder with the specified name already exists.");
            }

            var folder = m.AddFolder(folders, name, parentId, null);
            return GraphResponse.Created(Render(m.Snapshot(folder, mail), null, mail));
        }
    }

    /// <summary>A folder as Graph answers it: a contactFolder has only id, displayName and parentFolderId.</summary>
    public static JsonObject Render(StoredFolder f, HashSet<string>? select, bool mail)
    {
        var all = new JsonObject
        {
            ["id"] = f.Id,
            ["displayName"] = f.DisplayName,
            ["parentFolderId"] = f.ParentFolderId,
        };
        if (mail)
        {
            all["childFolderCount"] = f.ChildFolderCount;
            all["unreadItemCount"] = f.UnreadItemCount;
            all["totalItemCount"] = f.TotalItemCount;
            all["isHidden"] = false;
        }

        return Pick(all, select);
    }

    /// <summary>Only the selected properties (and always id), as Graph answers a $select.</summary>
    public static JsonObject Pick(JsonObject all, HashSet<string>? select)
    {
        if (select is null)
        {
            return all;
        }

        var picked = new JsonObject { ["id"] = all["id"]?.DeepClone() };
        if (all.TryGetPropertyValue("@odata.etag", out var etag))
        {
            picked["@odata.etag"] = etag?.DeepClone();
        }

        foreach (var name in select)
        {
            picked[name] = all[name]?.DeepClone();
        }

        return picked;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// OneDrive and SharePoint drives: <c>/drives/{drive-id}</c>, <c>/users/{id|upn}/drive</c>, a site's default library
/// <c>/sites/{site-id}/drive</c> and its libraries <c>/sites/{site-id}/drives/{drive-id}</c> (one store, one set of
/// rules: a library behaves as a OneDrive does); items by id (or
/// <c>root</c>) and by <c>{parent-id}:/{name}:</c> (one name below a parent: longer relative paths are not served here);
/// children paged with <c>@odata.nextLink</c>; folders created with <c>POST …/children</c> and <c>folder: {}</c>; small
/// files by <c>PUT …:/{name}:/content</c>; PATCH of name and fileSystemInfo; DELETE. conflictBehavior fail, replace or
/// rename; names and path lengths checked by <see cref="DriveNames"/>; errors in Graph's shape with OneDrive's codes
/// (itemNotFound, nameAlreadyExists, invalidRequest). Upload sessions are in <see cref="DriveUploadHandlers"/>.
/// </summary>
internal static class DriveHandlers
{
    public static readonly string[] Prefixes = ["drives/{drive}", "users/{user}/drive", "sites/{site}/drive", "sites/{site}/drives/{drive}"];

    private static readonly HashSet<string> FolderKeys = new(StringComparer.Ordinal)
    {
        "name", "folder", "@microsoft.graph.conflictBehavior", "fileSystemInfo", "description",
    };

    private static readonly HashSet<string> PatchKeys = new(StringComparer.Ordinal) { "name", "fileSystemInfo", "description" };

    public static IEnumerable<Route> Routes()
    {
        foreach (var p in Prefixes)
        {
            yield return new Route("GET", p, DriveOperations.GetDrive, GetDrive, outlook: false);
            yield return new Route("GET", p + "/root", DriveOperations.GetItem, c => GraphResponse.Ok(Render(c, Drive(c), Drive(c).Root)), outlook: false);
            yield return new Route("GET", p + "/root/children", DriveOperations.ListChildren, c => Children(c, "root"), outlook: false);
            yield return new Route("GET", p + "/items/{item}/children", DriveOperations.ListChildren, c => Children(c, c.Value("item")), outlook: false);
            yield return new Route("POST", p + "/items/{item}/children", DriveOperations.CreateFolder, CreateFolder, outlook: false);
            yield return new Route("PUT", p + "/items/{item}/content", DriveOperations.PutContent, PutById, outlook: false);
            yield return new Route("PUT", p + "/items/{parent}/{name}/content", DriveOperations.PutContent, PutByPath, outlook: false);
            yield return new Route("POST", p + "/items/{parent}/{name}/createUploadSession", DriveOperations.CreateUploadSession, DriveUploadHandlers.Create, outlook: false);
            yield return new Route("GET", p + "/items/{item}", DriveOperations.GetItem, GetItem, outlook: false);
            yield return new Route("PATCH", p + "/items/{item}", DriveOperations.UpdateItem, Patch, outlook: false);
            yield return new Route("DELETE", p + "/items/{item}", DriveOperations.DeleteItem, Delete, outlook: false);
            yield return new Route("GET", p + "/items/{parent}/{name}", DriveOperations.GetItem, GetByPath, outlook: false);
        }
    }

    public static DriveEntity Drive(RouteContext c)
    {
        var drives = c.Emulator.Store.Drives;
        if (c.Mailbox is { } mailbox)
        {
            return drives.ForUser(mailbox.User.Id, mailbox.User.UserPrincipalName, c.Now);
        }

        if (c.Values.TryGetValue("site", out var siteValue))
        {
            var site = SiteHandlers.Site(c, siteValue);
            return !c.Values.TryGetValue("drive", out var inSite) ? site.Drives[0]
                : site.Drives.FirstOrDefault(d => string.Equals(d.Id, inSite, StringComparison.OrdinalIgnoreCase)) ?? throw DriveNotFound();
        }

        return drives.Find(c.Value("drive")) ?? throw DriveNotFound();
    }

    private static GraphErrorException DriveNotFound() => new(404, "itemNotFound", "The drive was not found.");

    /// <summary>A drive resource: id, name, driveType (business for a OneDrive, documentLibrary for a library), owner.</summary>
    public static JsonObject RenderDrive(RouteContext c, DriveEntity drive)
    {
        var json = new JsonObject
        {
            ["id"] = drive.Id,
            ["name"] = drive.Name,
            ["driveType"] = drive.OwnerUpn is null ? "documentLibrary" : "business",
            ["createdDateTime"] = GraphJson.Iso(drive.Root.Created),
            ["owner"] = drive.OwnerUpn is null ? null : new JsonObject { ["user"] = new JsonObject { ["email"] = drive.OwnerUpn } },
        };
        if (drive.SiteId is { } siteId && c.Emulator.Store.Drives.FindSite(siteId) is { } site)
        {
            json["webUrl"] = SiteHandlers.WebUrl(site) + "/" + Uri.EscapeDataString(drive.Name);
        }

        return json;
    }

    /// <summary>The item named by id or <c>root</c>; 404 itemNotFound otherwise. Call under the drive's gate.</summary>
    public static DriveItemEntity Item(DriveEntity drive, string id) =>
        string.Equals(id, "root", StringComparison.OrdinalIgnoreCase) ? drive.Root
        : drive.Items.TryGetValue(id, out var item) ? item
        : throw NotFound();

    /// <summary>The parent folder and the name of a <c>{parent-id}:/{name}:</c> address.</summary>
    public static (DriveItemEntity Parent, string Name) ByPath(RouteContext c, DriveEntity drive)
    {
        var parentValue = c.Value("parent");
        if (!parentValue.EndsWith(':'))
        {
            throw GraphErrorException.BadRequest($"Resource not found for the segment '{c.Value("name")}'.");
        }

        var parent = Item(drive, parentValue[..^1]);
        if (!parent.IsFolder)
        {
            throw new GraphErrorException(400, "invalidRequest", "The parent of a path is not a folder.");
        }

        var name = c.Value("name").TrimEnd(':');
        return (parent, name);
    }

    public static GraphErrorException NotFound() => new(404, "itemNotFound", "The resource could not be found.");

    public static GraphErrorException NameExists(string name) => new(409, "nameAlreadyExists", $"The specified item name '{name}' already exists.");

    /// <summary>The conflictBehavior given (fail, replace or rename), or the default.</summary>
    public static string ConflictBehavior(string? value, string fallback)
    {
        var behavior = value ?? fallback;
        return behavior is "fail" or "replace" or "rename"
            ? behavior
            : throw new GraphErrorException(400, "invalidRequest", $"'{behavior}' is not a conflictBehavior (fail, replace or rename).");
    }

    /// <summary>
    /// Places a file with these bytes: a new item (created: true), or the existing file of that name replaced, or a
    /// renamed new one ("name 1.txt"); nameAlreadyExists under fail. Call under the drive's gate.
    /// </summary>
    public static (DriveItemEntity Item, bool Created) PlaceFile(
        RouteContext c, DriveEntity drive, DriveItemEntity parent, string name, byte[] bytes, string behavior, DateTimeOffset? fsCreated, DateTimeOffset? fsModified)
    {
        DriveNames.Check(name, folder: false, drive.PathOf(parent));
        var existing = drive.Child(parent.Id, name);
        if (existing is not null && (behavior == "fail" || existing.IsFolder && behavior == "replace"))
        {
            throw NameExists(name);
        }

        if (existing is not null && behavior == "replace")
        {
            existing.Bytes = bytes;
            existing.QuickXorHash = QuickXor.Of(bytes);
            existing.LastModified = c.Now;
            existing.FileSystemModified = fsModified ?? c.Now;
            existing.FileSystemCreated = fsCreated ?? existing.FileSystemCreated;
            existing.Version++;
            existing.ContentVersion++;
            return (existing, false);
        }

        var item = Add(c, drive, parent, existing is null ? name : FreeName(drive, parent, name), folder: false, fsCreated, fsModified);
        item.Bytes = bytes;
        item.QuickXorHash = QuickXor.Of(bytes);
        return (item, true);
    }

    private static DriveItemEntity Add(RouteContext c, DriveEntity drive, DriveItemEntity parent, string name, bool folder, DateTimeOffset? fsCreated, DateTimeOffset? fsModified)
    {
        var item = new DriveItemEntity
        {
            Id = DriveEntity.NewItemId(),
            Name = name,
            ParentId = parent.Id,
            IsFolder = folder,
            Created = c.Now,
            LastModified = c.Now,
            FileSystemCreated = fsCreated ?? c.Now,
            FileSystemModified = fsModified ?? c.Now,
            Sequence = drive.NextSequence(),
        };
        drive.Items[item.Id] = item;
        return item;
    }

    /// <summary>A fileSystemInfo object's two times (null when absent); a wrong shape is a body-read error.</summary>
    public static (DateTimeOffset? Created, DateTimeOffset? Modified) FileSystemInfo(JsonObject body)
    {
        if (!body.TryGetPropertyValue("fileSystemInfo", out var node) || node is null)
        {
            return (null, null);
        }

        if (node is not JsonObject info)
        {
            throw GraphErrorException.BodyRead("fileSystemInfo must be an object.");
        }

        GraphJson.RejectUnknown(info, new HashSet<string>(StringComparer.Ordinal) { "createdDateTime", "lastModifiedDateTime", "lastAccessedDateTime" }, "microsoft.graph.fileSystemInfo");
        return (Time(info, "createdDateTime"), Time(info, "lastModifiedDateTime"));
    }

    public static JsonObject Render(RouteContext c, DriveEntity drive, DriveItemEntity item)
    {
        var parentPath = item.ParentId is null ? null : drive.PathOf(drive.Items[item.ParentId]);
        var json = new JsonObject
        {
            ["@odata.context"] = c.Emulator.GraphBase + "/$metadata#drives('" + drive.Id + "')/items/$entity",
            ["id"] = item.Id,
            ["name"] = item.Name,
            ["size"] = item.IsFolder ? drive.Items.Values.Where(i => !i.IsFolder && drive.PathOf(i).StartsWith(drive.PathOf(item) + "/", StringComparison.Ordinal)).Sum(i => (long)i.Bytes.Length) : item.Bytes.Length,
            ["eTag"] = $"\"{{{item.Id}}},{item.Version.ToString(CultureInfo.InvariantCulture)}\"",
            ["cTag"] = $"\"c:{{{item.Id}}},{item.ContentVersion.ToString(CultureInfo.InvariantCulture)}\"",
            ["createdDateTime"] = GraphJson.Iso(item.Created),
            ["lastModifiedDateTime"] = GraphJson.Iso(item.LastModified),
            ["webUrl"] = c.Emulator.Origin + "/drive/" + drive.Id + Uri.EscapeDataString(drive.PathOf(item)).Replace("%2F", "/", StringComparison.Ordinal),
            ["fileSystemInfo"] = new JsonObject
            {
                ["createdDateTime"] = GraphJson.Iso(item.FileSystemCreated),
                ["lastModifiedDateTime"] = GraphJson.Iso(item.FileSystemModified),
            },
        };
        if (parentPath is not null)
        {
            json["parentReference"] = new JsonObject
            {
                ["driveId"] = drive.Id,
                ["driveType"] = drive.OwnerUpn is null ? "documentLibrary" : "business",
                ["id"] = item.ParentId,
                ["path"] = "/drives/" + drive.Id + "/root:" + parentPath,
            };
            if (drive.SiteId is { } siteId)
            {
                ((JsonObject)json["parentReference"]!)["siteId"] = siteId;
            }
        }

        if (item.IsFolder)
        {
            json["folder"] = new JsonObject { ["childCount"] = drive.ChildrenOf(item.Id).Count() };
            if (item.ParentId is null)
            {
                json["root"] = new JsonObject();
            }
        }
        else
        {
            json["file"] = new JsonObject
            {
                ["mimeType"] = "application/octet-stream",
                ["hashes"] = new JsonObject { ["quickXorHash"] = item.QuickXorHash },
            };
        }

        return json;
    }

    private static DateTimeOffset? Time(JsonObject o, string name)
    {
        var text = GraphJson.OptionalString(o, name, "microsoft.graph.fileSystemInfo");
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : throw GraphErrorException.BodyRead($"Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'.");
    }

    private static string FreeName(DriveEntity drive, DriveItemEntity parent, string name)
    {
        var extension = Path.GetExtension(name);
        var stem = name[..^extension.Length];
        for (var n = 1; ; n++)
        {
            var candidate = $"{stem} {n.ToString(CultureInfo.InvariantCulture)}{extension}";
            if (drive.Child(parent.Id, candidate) is null)
            {
                return candidate;
            }
        }
    }

    private static GraphResponse GetDrive(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        return GraphResponse.Ok(RenderDrive(c, Drive(c)));
    }

    private static GraphResponse GetItem(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var drive = Drive(c);
        lock (drive.Gate)
        {
            return GraphResponse.Ok(Render(c, drive, Item(drive, c.Value("item"))));
        }
    }

    private static GraphResponse GetByPath(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var (parent, name) = ByPath(c, drive);
            var item = drive.Child(parent.Id, name) ?? throw NotFound();
            return GraphResponse.Ok(Render(c, drive, item));
        }
    }

    private static GraphResponse Children(RouteContext c, string id)
    {
        ODataQuery.RejectUnserved(c.Request);
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var folder = Item(drive, id);
            if (!folder.IsFolder)
            {
                throw new GraphErrorException(400, "invalidRequest", "A file has no children.");
            }

            // OneDrive pages children by 200 unless $top asks otherwise (at most 999 here).
            var children = drive.ChildrenOf(folder.Id).ToList();
            return GraphResponse.Ok(ODataQuery.Page(c, children, 200, 999, i => Render(c, drive, i)));
        }
    }

    private static GraphResponse CreateFolder(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, FolderKeys, "microsoft.graph.driveItem");
        var name = GraphJson.OptionalString(body, "name", "microsoft.graph.driveItem") ?? throw new GraphErrorException(400, "invalidRequest", "name is required.");
        if (body["folder"] is not JsonObject)
        {
            throw new GraphErrorException(400, "invalidRequest", "Only folders are created with POST to children here: give folder: {}.");
        }

        var behavior = ConflictBehavior(GraphJson.OptionalString(body, "@microsoft.graph.conflictBehavior", "microsoft.graph.driveItem"), "fail");
        var (fsCreated, fsModified) = FileSystemInfo(body);
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var parent = Item(drive, c.Value("item"));
            if (!parent.IsFolder)
            {
                throw new GraphErrorException(400, "invalidRequest", "The parent is not a folder.");
            }

            DriveNames.Check(name, folder: true, drive.PathOf(parent));
            var existing = drive.Child(parent.Id, name);
            if (existing is not null && behavior == "fail")
            {
                throw NameExists(name);
            }

            if (existing is not null && behavior == "replace")
            {
                RemoveTree(drive, existing);
            }

            var folder = Add(c, drive, parent, existing is not null && behavior == "rename" ? FreeName(drive, parent, name) : name, folder: true, fsCreated, fsModified);
            return GraphResponse.Created(Render(c, drive, folder));
        }
    }

    private static GraphResponse PutByPath(RouteContext c)
    {
        var drive = Drive(c);
        var behavior = ConflictBehavior(c.Request.QueryValue("@microsoft.graph.conflictBehavior"), "replace");
        lock (drive.Gate)
        {
            var (parent, name) = ByPath(c, drive);
            var (item, created) = PlaceFile(c, drive, parent, name, c.Request.Body, behavior, null, null);
            return new GraphResponse(created ? 201 : 200) { Json = Render(c, drive, item) };
        }
    }

    private static GraphResponse PutById(RouteContext c)
    {
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var item = Item(drive, c.Value("item"));
            if (item.IsFolder)
            {
                throw new GraphErrorException(400, "invalidRequest", "A folder has no content.");
            }

            var (updated, _) = PlaceFile(c, drive, drive.Items[item.ParentId!], item.Name, c.Request.Body, "replace", null, null);
            return GraphResponse.Ok(Render(c, drive, updated));
        }
    }

    private static GraphResponse Patch(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, PatchKeys, "microsoft.graph.driveItem");
        var (fsCreated, fsModified) = FileSystemInfo(body);
        var name = GraphJson.OptionalString(body, "name", "microsoft.graph.driveItem");
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var item = Item(drive, c.Value("item"));
            if (item.ParentId is null)
            {
                throw new GraphErrorException(403, "accessDenied", "The root cannot be changed.");
            }

            if (name is not null && !string.Equals(name, item.Name, StringComparison.Ordinal))
            {
                DriveNames.Check(name, item.IsFolder, drive.PathOf(drive.Items[item.ParentId]));
                if (drive.Child(item.ParentId, name) is { } other && other != item)
                {
                    throw NameExists(name);
                }

                item.Name = name;
            }

            item.FileSystemCreated = fsCreated ?? item.FileSystemCreated;
            item.FileSystemModified = fsModified ?? item.FileSystemModified;
            item.LastModified = c.Now;
            item.Version++;
            return GraphResponse.Ok(Render(c, drive, item));
        }
    }

    private static GraphResponse Delete(RouteContext c)
    {
        var drive = Drive(c);
        lock (drive.Gate)
        {
            var item = Item(drive, c.Value("item"));
            if (item.ParentId is null)
            {
                throw new GraphErrorException(403, "accessDenied", "The root cannot be deleted.");
            }

            RemoveTree(drive, item);
            return GraphResponse.NoContent();
        }
    }

    private static void RemoveTree(DriveEntity drive, DriveItemEntity item)
    {
        foreach (var child in drive.ChildrenOf(item.Id).ToList())
        {
            RemoveTree(drive, child);
        }

        drive.Items.Remove(item.Id);
    }
}

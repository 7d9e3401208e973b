using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>Contact folders (<c>/contactFolders</c> lists the folders inside the default 連絡先 folder, as Graph does)
/// and contacts: create, list with $filter (extended property, e-mail address, displayName), get, update, delete.
/// Everything received is stored.</summary>
internal static class ContactHandlers
{
    private const string Type = "microsoft.graph.contact";

    private static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        "givenName", "surname", "middleName", "displayName", "nickName", "initials", "title", "generation", "fileAs",
        "yomiGivenName", "yomiSurname", "yomiCompanyName", "companyName", "department", "jobTitle", "officeLocation",
        "profession", "manager", "assistantName", "spouseName", "children", "emailAddresses", "imAddresses",
        "businessPhones", "homePhones", "mobilePhone", "businessAddress", "homeAddress", "otherAddress",
        "businessHomePage", "personalNotes", "birthday", "categories",
    };

    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "parentFolderId",
    };

    private static readonly HashSet<string> Filterable = new(StringComparer.Ordinal) { "displayName", "givenName", "surname", "emailAddresses" };

    private static readonly HashSet<string> Selectable = new(Settable.Concat(ReadOnly), StringComparer.Ordinal);

    /// <summary>Exchange keeps three e-mail addresses (Email1–3) and two business and two home phones per contact;
    /// more than that cannot be stored, so more is refused rather than cut silently.</summary>
    private static readonly Dictionary<string, int> MaxEntries = new(StringComparer.Ordinal)
    {
        ["emailAddresses"] = 3,
        ["businessPhones"] = 2,
        ["homePhones"] = 2,
    };

    public static IEnumerable<Route> Routes()
    {
        yield return new Route("GET", "users/{user}/contactFolders", Operations.ListContactFolders, c => MailFolderHandlers.List(c, c.RequireMailbox.DefaultContacts.Id, mail: false));
        yield return new Route("POST", "users/{user}/contactFolders", Operations.CreateContactFolder, c => MailFolderHandlers.Create(c, c.RequireMailbox.DefaultContacts.Id, mail: false));
        yield return new Route("GET", "users/{user}/contactFolders/{folder}", Operations.GetContactFolder, GetFolder);
        yield return new Route("GET", "users/{user}/contactFolders/{folder}/childFolders", Operations.ListContactFolders, c => MailFolderHandlers.List(c, Folder(c).Id, mail: false));
        yield return new Route("POST", "users/{user}/contactFolders/{folder}/childFolders", Operations.CreateContactFolder, c => MailFolderHandlers.Create(c, Folder(c).Id, mail: false));
        yield return new Route("GET", "users/{user}/contacts", Operations.ListContacts, c => List(c, c.RequireMailbox.DefaultContacts.Id));
        yield return new Route("POST", "users/{user}/contacts", Operations.CreateContact, c => Create(c, c.RequireMailbox.DefaultContacts.Id), outlook: true, upload: true);
        yield return new Route("GET", "users/{user}/contactFolders/{folder}/contacts", Operations.ListContacts, c => List(c, Folder(c).Id));
        yield return new Route("POST", "users/{user}/contactFolders/{folder}/contacts", Operations.CreateContact, c => Create(c, Folder(c).Id), outlook: true, upload: true);
        foreach (var prefix in new[] { "users/{user}/contacts/{contact}", "users/{user}/contactFolders/{folder}/contacts/{contact}" })
        {
            yield return new Route("GET", prefix, Operations.GetContact, Get);
            yield return new Route("PATCH", prefix, Operations.UpdateContact, Update);
            yield return new Route("DELETE", prefix, Operations.DeleteContact, Delete);
        }
    }

    private static FolderEntity Folder(RouteContext c)
    {
        var m = c.RequireMailbox;
        var id = c.Value("folder");
        lock (m.Gate)
        {
            if (m.ContactFolders.TryGetValue(id, out var f) && f.ParentId is not null)
            {
                return f;
            }
        }

        ItemSupport.CheckId(id);
        throw ItemSupport.NotFound();
    }

    private static GraphResponse GetFolder(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var f = Folder(c);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            return GraphResponse.Ok(MailFolderHandlers.Render(m.Snapshot(f, mail: false), null, mail: false));
        }
    }

    private static ContactEntity Find(RouteContext c)
    {
        var id = c.Value("contact");
        if (c.RequireMailbox.Contacts.TryGetValue(id, out var contact))
        {
            return contact;
        }

        ItemSupport.CheckId(id);
        throw ItemSupport.NotFound();
    }

    private static void Validate(JsonObject body)
    {
        GraphJson.RejectUnknown(body, new HashSet<string>(Settable.Concat(ReadOnly).Append("singleValueExtendedProperties").Append("multiValueExtendedProperties"), StringComparer.Ordinal), Type);
        foreach (var (name, max) in MaxEntries)
        {
            if (body[name] is { } node && (node is not JsonArray array || array.Count > max))
            {
                throw new GraphErrorException(400, "ErrorInvalidProperty", $"'{name}' must be an array of at most {max} entries.");
            }
        }

        if (body["emailAddresses"] is JsonArray addresses && addresses.Any(a => a is not JsonObject o || o["address"] is not JsonValue))
        {
            throw GraphErrorException.BodyRead("Each of emailAddresses must be an emailAddress object with an address.");
        }
    }

    private static GraphResponse Create(RouteContext c, string folderId)
    {
        var body = GraphJson.ReadObject(c.Request);
        Validate(body);
        var extended = ItemSupport.ReadExtended(body);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var contact = new ContactEntity(MailboxEntity.NewId("AAMkA"), m.NextSequence())
            {
                FolderId = folderId,
                Created = c.Now,
                LastModified = c.Now,
                ChangeKey = MailboxEntity.NewChangeKey(),
                Properties = new JsonObject(body.Where(kv => Settable.Contains(kv.Key)).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))),
            };
            foreach (var (id, value) in extended)
            {
                contact.Extended[id.Canonical] = (id, value);
            }

            m.Contacts.Add(contact.Id, contact);
            return GraphResponse.Created(Render(contact, null, null));
        }
    }

    private static GraphResponse List(RouteContext c, string folderId)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, Type);
        var (expand, _) = ODataQuery.Expand(c.Request, attachmentsAllowed: false);
        var terms = ODataQuery.Filter(c.Request, Filterable);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var items = m.Contacts.Values
                .Where(x => x.FolderId == folderId && ItemSupport.Matches(terms, x.Properties, x.Extended))
                .OrderBy(x => x.Sequence)
                .ToList();
            return GraphResponse.Ok(ODataQuery.Page(c, items, 10, 1000, x => Render(x, select, expand)));
        }
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, Type);
        var (expand, _) = ODataQuery.Expand(c.Request, attachmentsAllowed: false);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            return GraphResponse.Ok(Render(Find(c), select, expand));
        }
    }

    private static GraphResponse Update(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        Validate(body);
        var extended = ItemSupport.ReadExtended(body);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var contact = Find(c);
            foreach (var (name, node) in body.Where(kv => Settable.Contains(kv.Key)))
            {
                contact.Properties[name] = node?.DeepClone();
            }

            foreach (var (id, value) in extended)
            {
                contact.Extended[id.Canonical] = (id, value);
            }

            contact.Touch(c.Now);
            return GraphResponse.Ok(Render(contact, null, null));
        }
    }

    private static GraphResponse Delete(RouteContext c)
    {
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            m.Contacts.Remove(Find(c).Id);
            return GraphResponse.NoContent();
        }
    }

    private static JsonObject Render(ContactEntity contact, HashSet<string>? select, IReadOnlyList<ExtendedPropertyId>? expand)
    {
        var all = new JsonObject
        {
            ["@odata.etag"] = $"W/\"{contact.ChangeKey}\"",
            ["id"] = contact.Id,
            ["createdDateTime"] = GraphJson.Iso(contact.Created),
            ["lastModifiedDateTime"] = GraphJson.Iso(contact.LastModified),
            ["changeKey"] = contact.ChangeKey,
            ["parentFolderId"] = contact.FolderId,
            ["categories"] = new JsonArray(),
            ["emailAddresses"] = new JsonArray(),
            ["businessPhones"] = new JsonArray(),
            ["homePhones"] = new JsonArray(),
        };
        foreach (var (name, node) in contact.Properties)
        {
            all[name] = node?.DeepClone();
        }

        var result = MailFolderHandlers.Pick(all, select);
        if (expand is not null)
        {
            result["singleValueExtendedProperties"] = ItemSupport.RenderExtended(contact.Extended, expand);
        }

        return result;
    }
}

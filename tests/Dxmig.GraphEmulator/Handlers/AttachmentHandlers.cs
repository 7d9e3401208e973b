using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>File attachments of messages: add (under 3 MB; larger files must use an upload session, as Graph
/// documents), list, get, raw $value, delete.</summary>
internal static class AttachmentHandlers
{
    /// <summary>"If the file size is under 3 MB, do a single POST on the attachments navigation property"; 3 MB or more
    /// goes through createUploadSession. MB taken as MiB, the same unit as the 4 MB request cap.</summary>
    public const int MaxInlineBytes = 3 * 1024 * 1024;

    private const string FileAttachmentType = "#microsoft.graph.fileAttachment";

    private static readonly HashSet<string> Writable = new(StringComparer.Ordinal)
    {
        "name", "contentType", "contentBytes", "isInline", "contentId", "contentLocation", "size", "lastModifiedDateTime", "id",
    };

    private static readonly HashSet<string> Selectable = new(StringComparer.Ordinal)
    {
        "id", "name", "contentType", "size", "isInline", "lastModifiedDateTime",
    };

    public static IEnumerable<Route> Routes()
    {
        foreach (var prefix in new[] { "users/{user}/messages/{message}/attachments", "users/{user}/mailFolders/{folder}/messages/{message}/attachments" })
        {
            yield return new Route("POST", prefix, Operations.CreateAttachment, Create, outlook: true, upload: true);
            yield return new Route("GET", prefix, Operations.ListAttachments, List);
            yield return new Route("GET", prefix + "/{attachment}", Operations.GetAttachment, Get);
            yield return new Route("GET", prefix + "/{attachment}/$value", Operations.GetAttachment, Value);
            yield return new Route("DELETE", prefix + "/{attachment}", Operations.DeleteMessage, Delete);
        }
    }

    /// <summary>Reads <c>attachments</c> of a message create body.</summary>
    public static List<AttachmentEntity> ReadInline(JsonObject body, DateTimeOffset now)
    {
        if (!body.TryGetPropertyValue("attachments", out var node) || node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw GraphErrorException.BodyRead("attachments must be an array.");
        }

        return array.Select(a => Read(a as JsonObject ?? throw GraphErrorException.BodyRead("Each attachment must be an object."), now)).ToList();
    }

    /// <summary>Refuses a message whose size with <paramref name="extraBytes"/> more attachment bytes would pass the
    /// message size limit. The status Exchange answers with is not documented for Graph; 413 ErrorMessageSizeExceeded
    /// (EWS's name) is used.</summary>
    public static void CheckMessageSize(RouteContext c, MessageEntity m, long extraBytes)
    {
        var raw = m.Attachments.Sum(a => (long)a.Bytes.Length) + extraBytes;
        var size = (raw * 4 / 3) + (m.Properties["body"]?["content"]?.GetValue<string>()?.Length ?? 0);
        if (size > c.Emulator.MaxMessageBytes)
        {
            throw new GraphErrorException(413, "ErrorMessageSizeExceeded",
                $"The message would be {size} bytes, over the mailbox's message size limit of {c.Emulator.MaxMessageBytes} bytes.");
        }
    }

    private static AttachmentEntity Read(JsonObject o, DateTimeOffset now)
    {
        var type = o["@odata.type"]?.GetValue<string>();
        if (type is null)
        {
            throw GraphErrorException.BodyRead("An attachment needs '@odata.type' (#microsoft.graph.fileAttachment): attachment is abstract.");
        }

        if (!string.Equals(type, FileAttachmentType, StringComparison.Ordinal))
        {
            throw GraphErrorException.BadRequest($"Attachments of type '{type}' are not served by the Graph emulator; only fileAttachment.");
        }

        GraphJson.RejectUnknown(o, Writable, "microsoft.graph.fileAttachment");
        var name = GraphJson.OptionalString(o, "name", "microsoft.graph.fileAttachment");
        if (string.IsNullOrEmpty(name))
        {
            throw new GraphErrorException(400, "ErrorRequiredPropertyMissing", "The attachment's name is required.");
        }

        var contentBytes = GraphJson.OptionalString(o, "contentBytes", "microsoft.graph.fileAttachment")
                           ?? throw new GraphErrorException(400, "ErrorRequiredPropertyMissing", "The attachment's contentBytes is required.");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(contentBytes);
        }
        catch (FormatException)
        {
            throw GraphErrorException.BodyRead("contentBytes is not valid base64.");
        }

        if (bytes.Length >= MaxInlineBytes)
        {
            // Graph documents the limit; the exact status it answers with for a 3–4 MB POST is not, so the stricter
            // refusal is used.
            throw new GraphErrorException(400, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",
                $"The attachment '{name}' is {bytes.Length} bytes; files of 3 MB or more must be attached through an upload session (attachments/createUploadSession).");
        }

        return new AttachmentEntity(MailboxEntity.NewId("AAMkA"), name,
            GraphJson.OptionalString(o, "contentType", "microsoft.graph.fileAttachment") ?? "application/octet-stream",
            bytes,
            GraphJson.OptionalBool(o, "isInline", "microsoft.graph.fileAttachment") ?? false,
            GraphJson.OptionalString(o, "contentId", "microsoft.graph.fileAttachment"),
            now);
    }

    private static GraphResponse Create(RouteContext c)
    {
        var attachment = Read(GraphJson.ReadObject(c.Request), c.Now);
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var m = MessageHandlers.Find(c);
            CheckMessageSize(c, m, attachment.Bytes.Length);
            Attach(m, attachment, c.Now);
            return GraphResponse.Created(Render(attachment, null));
        }
    }

    /// <summary>Adds an attachment to a message (under the mailbox lock) and marks the message changed.</summary>
    public static void Attach(MessageEntity m, AttachmentEntity attachment, DateTimeOffset now)
    {
        m.Attachments.Add(attachment);
        m.Touch(now);
    }

    private static GraphResponse List(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, "microsoft.graph.attachment");
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var m = MessageHandlers.Find(c);
            return GraphResponse.Ok(ODataQuery.Page(c, m.Attachments, 10, 1000, a => Render(a, select)));
        }
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, "microsoft.graph.attachment");
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            return GraphResponse.Ok(Render(FindAttachment(c), select));
        }
    }

    private static GraphResponse Value(RouteContext c)
    {
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var a = FindAttachment(c);
            return new GraphResponse(200) { Bytes = a.Bytes.ToArray(), ContentType = a.ContentType };
        }
    }

    private static GraphResponse Delete(RouteContext c)
    {
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var m = MessageHandlers.Find(c);
            m.Attachments.Remove(FindAttachment(c));
            m.Touch(c.Now);
            return GraphResponse.NoContent();
        }
    }

    private static AttachmentEntity FindAttachment(RouteContext c)
    {
        var m = MessageHandlers.Find(c);
        var id = c.Value("attachment");
        return m.Attachments.FirstOrDefault(a => a.Id == id) ?? throw ItemSupport.NotFound();
    }

    public static JsonObject Render(AttachmentEntity a, HashSet<string>? select)
    {
        var all = new JsonObject
        {
            ["@odata.type"] = FileAttachmentType,
            ["@odata.mediaContentType"] = a.ContentType,
            ["id"] = a.Id,
            ["lastModifiedDateTime"] = GraphJson.Iso(a.LastModified),
            ["name"] = a.Name,
            ["contentType"] = a.ContentType,
            ["size"] = a.Bytes.Length,
            ["isInline"] = a.IsInline,
            ["contentId"] = a.ContentId,
            ["contentLocation"] = null,
            ["contentBytes"] = Convert.ToBase64String(a.Bytes),
        };
        if (select is null)
        {
            return all;
        }

        var picked = MailFolderHandlers.Pick(all, select);
        picked["@odata.type"] = FileAttachmentType;
        return picked;
    }
}

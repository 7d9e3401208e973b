using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;
using MimeKit;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>Messages: create (JSON, or base64 MIME as text/plain, which is always a draft), list with $filter, $select,
/// $expand and paging, get, update, delete, move.</summary>
internal static class MessageHandlers
{
    /// <summary>PR_MESSAGE_FLAGS: MSGFLAG_READ and MSGFLAG_UNSENT.</summary>
    private const int MessageFlagRead = 0x1;
    private const int MessageFlagUnsent = 0x8;

    private static readonly ExtendedPropertyId MessageFlags = ExtendedPropertyId.Parse("Integer 0x0E07");
    private static readonly ExtendedPropertyId DeliveryTime = ExtendedPropertyId.Parse("SystemTime 0x0E06");
    private static readonly ExtendedPropertyId SubmitTime = ExtendedPropertyId.Parse("SystemTime 0x0039");
    private static readonly ExtendedPropertyId TransportHeaders = ExtendedPropertyId.Parse("String 0x007D");

    private static readonly HashSet<string> Filterable = new(StringComparer.Ordinal) { "internetMessageId", "subject" };

    /// <summary>Properties Graph lets a client change only while the message is a draft.</summary>
    private static readonly HashSet<string> DraftOnly = new(StringComparer.Ordinal)
    {
        "subject", "body", "from", "sender", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "internetMessageId",
        "internetMessageHeaders",
    };

    public static IEnumerable<Route> Routes()
    {
        yield return new Route("GET", "users/{user}/messages", Operations.ListMessages, c => List(c, null));
        yield return new Route("POST", "users/{user}/messages", Operations.CreateMessage, c => Create(c, "drafts"), outlook: true, upload: true);
        yield return new Route("GET", "users/{user}/mailFolders/{folder}/messages", Operations.ListMessages, c => List(c, MailFolderHandlers.Resolve(c).Id));
        yield return new Route("POST", "users/{user}/mailFolders/{folder}/messages", Operations.CreateMessage, c => Create(c, c.Value("folder")), outlook: true, upload: true);
        foreach (var prefix in new[] { "users/{user}/messages/{message}", "users/{user}/mailFolders/{folder}/messages/{message}" })
        {
            yield return new Route("GET", prefix, Operations.GetMessage, Get);
            yield return new Route("GET", prefix + "/$value", Operations.GetMessage, GetMime);
            yield return new Route("PATCH", prefix, Operations.UpdateMessage, Update);
            yield return new Route("DELETE", prefix, Operations.DeleteMessage, Delete);
            yield return new Route("POST", prefix + "/move", Operations.MoveMessage, Move);
        }
    }

    /// <summary>The message of <c>{message}</c>; call under the mailbox lock.</summary>
    public static MessageEntity Find(RouteContext c)
    {
        var id = c.Value("message");
        if (c.RequireMailbox.Messages.TryGetValue(id, out var m))
        {
            return m;
        }

        ItemSupport.CheckId(id);
        throw ItemSupport.NotFound();
    }

    private static GraphResponse Create(RouteContext c, string folderRef)
    {
        var mailbox = c.RequireMailbox;
        var folder = MailFolderHandlers.Resolve(mailbox, folderRef);
        var type = c.Request.ContentType ?? "";
        var entity = type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)
            ? FromMime(c, mailbox)
            : FromJson(c, mailbox);
        lock (mailbox.Gate)
        {
            if (!mailbox.MailFolders.ContainsKey(folder.Id))
            {
                throw ItemSupport.NotFound();
            }

            entity.FolderId = folder.Id;
            mailbox.Messages.Add(entity.Id, entity);
            return GraphResponse.Created(MessageJson.Render(entity, null, null, false));
        }
    }

    private static MessageEntity FromJson(RouteContext c, MailboxEntity mailbox)
    {
        var body = GraphJson.ReadObject(c.Request);
        MessageJson.Validate(body);
        var extended = ItemSupport.ReadExtended(body);
        var attachments = AttachmentHandlers.ReadInline(body, c.Now);
        var now = c.Now;

        int? flags = null;
        DateTimeOffset? received = null;
        DateTimeOffset? sent = null;
        string? transportHeaders = null;
        foreach (var (id, value) in extended)
        {
            if (id == MessageFlags)
            {
                flags = int.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (id == DeliveryTime)
            {
                received = SystemTime(value);
            }
            else if (id == SubmitTime)
            {
                sent = SystemTime(value);
            }
            else if (id == TransportHeaders)
            {
                transportHeaders = value;
            }
        }

        var properties = new JsonObject();
        foreach (var (name, node) in body)
        {
            if (MessageJson.Settable.Contains(name) && name != "internetMessageHeaders")
            {
                properties[name] = node?.DeepClone();
            }
        }

        // A message created through Graph is a draft unless PR_MESSAGE_FLAGS was given without MSGFLAG_UNSENT; its read
        // state comes from isRead, else from MSGFLAG_READ, else a draft is read.
        var isDraft = flags is null || (flags.Value & MessageFlagUnsent) != 0;
        var isRead = GraphJson.OptionalBool(body, "isRead", MessageJson.Type) ?? (flags is null || (flags.Value & MessageFlagRead) != 0);
        properties["isRead"] = isRead;

        var headers = transportHeaders is null ? [] : MessageJson.ParseHeaders(transportHeaders);
        if (body["internetMessageHeaders"] is JsonArray custom)
        {
            headers.AddRange(custom.Select(h => new KeyValuePair<string, string>(h!["name"]!.GetValue<string>(), h["value"]?.GetValue<string>() ?? "")));
        }

        var entity = NewMessage(mailbox, now, isDraft, received ?? now, sent ?? received ?? now, properties, headers, null);
        foreach (var (id, value) in extended)
        {
            entity.Extended[id.Canonical] = (id, value);
        }

        entity.Attachments.AddRange(attachments);
        AttachmentHandlers.CheckMessageSize(c, entity, 0);
        return entity;
    }

    /// <summary>Graph's MIME create: the body is the base64 of the MIME message, Content-Type text/plain; the result is
    /// always a draft.</summary>
    private static MessageEntity FromMime(RouteContext c, MailboxEntity mailbox)
    {
        byte[] mime;
        try
        {
            mime = Convert.FromBase64String(Encoding.ASCII.GetString(c.Request.Body).Trim());
        }
        catch (FormatException)
        {
            throw new GraphErrorException(400, "UnableToDeserializePostBody", "The MIME content must be base64 encoded.");
        }

        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(mime);
            message = MimeMessage.Load(stream);
        }
        catch (FormatException e)
        {
            throw new GraphErrorException(400, "ErrorMimeContentInvalid", "The MIME content is not valid: " + e.Message);
        }

        var now = c.Now;
        var properties = new JsonObject
        {
            ["subject"] = message.Subject ?? "",
            ["isRead"] = true,
            ["internetMessageId"] = message.MessageId is null ? null : $"<{message.MessageId}>",
            ["body"] = message.HtmlBody is not null
                ? new JsonObject { ["contentType"] = "html", ["content"] = message.HtmlBody }
                : new JsonObject { ["contentType"] = "text", ["content"] = message.TextBody ?? "" },
            ["toRecipients"] = Recipients(message.To),
            ["ccRecipients"] = Recipients(message.Cc),
            ["bccRecipients"] = Recipients(message.Bcc),
            ["replyTo"] = Recipients(message.ReplyTo),
        };
        if (Recipients(message.From) is { Count: > 0 } from)
        {
            properties["from"] = from[0]!.DeepClone();
            properties["sender"] = from[0]!.DeepClone();
        }

        var entity = NewMessage(mailbox, now, true, now, message.Date == DateTimeOffset.MinValue ? now : message.Date.ToUniversalTime(), properties,
            message.Headers.Select(h => new KeyValuePair<string, string>(h.Field, h.Value)).ToList(), mime);
        foreach (var part in message.BodyParts.OfType<MimePart>().Where(p => p.IsAttachment || p.ContentId is not null && p.ContentDisposition?.Disposition == "inline"))
        {
            using var content = new MemoryStream();
            part.Content?.DecodeTo(content);
            entity.Attachments.Add(new AttachmentEntity(MailboxEntity.NewId("AAMkA"), part.FileName ?? "attachment", part.ContentType.MimeType,
                content.ToArray(), !part.IsAttachment, part.ContentId, now));
        }

        AttachmentHandlers.CheckMessageSize(c, entity, 0);
        return entity;
    }

    /// <summary>A new message with its server-set properties (an internetMessageId is assigned when none was given).</summary>
    private static MessageEntity NewMessage(MailboxEntity mailbox, DateTimeOffset now, bool isDraft, DateTimeOffset received, DateTimeOffset sent,
        JsonObject properties, List<KeyValuePair<string, string>> headers, byte[]? mime)
    {
        properties["internetMessageId"] ??= $"<{Guid.NewGuid():N}@emulator.dxmig.invalid>";
        properties["conversationId"] = MailboxEntity.NewId("AAQkA");
        return new MessageEntity(MailboxEntity.NewId("AAMkA"), mailbox.NextSequence())
        {
            FolderId = "",
            Created = now,
            LastModified = now,
            ChangeKey = MailboxEntity.NewChangeKey(),
            IsDraft = isDraft,
            Received = received,
            Sent = sent,
            Properties = properties,
            Headers = headers,
            Mime = mime,
        };
    }

    private static JsonArray Recipients(InternetAddressList list) => new(list.Mailboxes
        .Select(m => (JsonNode)new JsonObject { ["emailAddress"] = new JsonObject { ["name"] = m.Name ?? m.Address, ["address"] = m.Address } })
        .ToArray());

    private static DateTimeOffset SystemTime(string value) =>
        ExtendedPropertyId.TryParseSystemTime(value, out var t) ? t : throw new InvalidOperationException("validated before");

    private static GraphResponse List(RouteContext c, string? folderId)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, MessageJson.Selectable, MessageJson.Type);
        var (expand, attachments) = ODataQuery.Expand(c.Request, attachmentsAllowed: true);
        var terms = ODataQuery.Filter(c.Request, Filterable);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var items = m.Messages.Values
                .Where(x => folderId is null || x.FolderId == folderId)
                .Where(x => ItemSupport.Matches(terms, x.Properties, x.Extended))
                .OrderBy(x => x.Sequence)
                .ToList();
            return GraphResponse.Ok(ODataQuery.Page(c, items, 10, 1000, x => MessageJson.Render(x, select, expand, attachments)));
        }
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, MessageJson.Selectable, MessageJson.Type);
        var (expand, attachments) = ODataQuery.Expand(c.Request, attachmentsAllowed: true);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            return GraphResponse.Ok(MessageJson.Render(Find(c), select, expand, attachments));
        }
    }

    /// <summary><c>GET …/$value</c>: the message as MIME, as Exchange renders it (message/rfc822).</summary>
    private static GraphResponse GetMime(RouteContext c)
    {
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            return new GraphResponse(200) { Bytes = EmulatorStore.Snapshot(Find(c)).RenderMime(), ContentType = "message/rfc822" };
        }
    }

    private static GraphResponse Update(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        MessageJson.Validate(body);
        if (body.ContainsKey("attachments"))
        {
            throw GraphErrorException.BadRequest("Attachments cannot be changed through PATCH; use the attachments collection.");
        }

        var extended = ItemSupport.ReadExtended(body);
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var m = Find(c);
            foreach (var (name, node) in body)
            {
                if (!MessageJson.Settable.Contains(name))
                {
                    continue;
                }

                if (!m.IsDraft && DraftOnly.Contains(name))
                {
                    throw new GraphErrorException(400, "ErrorInvalidPropertyUpdateSentMessage", $"The property '{name}' can be updated only while the message is a draft.");
                }

                m.Properties[name] = node?.DeepClone();
            }

            foreach (var (id, value) in extended)
            {
                // The dates follow their MAPI properties; PR_MESSAGE_FLAGS is stored but the draft state was fixed at creation.
                if (id == DeliveryTime)
                {
                    m.Received = SystemTime(value);
                }
                else if (id == SubmitTime)
                {
                    m.Sent = SystemTime(value);
                }

                m.Extended[id.Canonical] = (id, value);
            }

            m.Touch(c.Now);
            return GraphResponse.Ok(MessageJson.Render(m, null, null, false));
        }
    }

    private static GraphResponse Delete(RouteContext c)
    {
        var mailbox = c.RequireMailbox;
        lock (mailbox.Gate)
        {
            var m = Find(c);
            mailbox.Messages.Remove(m.Id);
            return GraphResponse.NoContent();
        }
    }

    /// <summary>Move gives the message a new id, as Exchange does (without the ImmutableId preference).</summary>
    private static GraphResponse Move(RouteContext c)
    {
        // Action parameters: the documentation writes destinationId, the SDK sends DestinationId (as in Graph's
        // metadata); the service takes both, so parameter names compare case-insensitively.
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "destinationId" }, "microsoft.graph.message.move");
        var destination = body.FirstOrDefault(kv => kv.Key.Equals("destinationId", StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>()
                          ?? throw GraphErrorException.BadRequest("destinationId is required.");
        var mailbox = c.RequireMailbox;
        var folder = MailFolderHandlers.Resolve(mailbox, destination);
        lock (mailbox.Gate)
        {
            var m = Find(c);
            mailbox.Messages.Remove(m.Id);
            m.Id = MailboxEntity.NewId("AAMkA");
            m.FolderId = folder.Id;
            m.Touch(c.Now);
            mailbox.Messages.Add(m.Id, m);
            return GraphResponse.Created(MessageJson.Render(m, null, null, false));
        }
    }
}

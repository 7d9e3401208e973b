using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>Large attachments (3–150 MB): <c>attachments/createUploadSession</c> and the pre-authenticated uploadUrl
/// it returns. As documented: chunks of at most 4 MB, in order (Content-Range must start at the next expected byte),
/// 200 with nextExpectedRanges until the last, then 201 with a Location header; no Authorization header on the
/// uploadUrl; the session expires at expirationDateTime.</summary>
internal static class UploadSessionHandlers
{
    /// <summary>"Use this approach to attach a file if the file size is between 3 MB and 150 MB."</summary>
    public const long MinSessionBytes = AttachmentHandlers.MaxInlineBytes;

    public const long MaxSessionBytes = 150L * 1024 * 1024;

    private const string SessionPath = "users/{user}/messages/{message}/attachmentSessions/{session}";

    private static readonly HashSet<string> ItemKeys = new(StringComparer.Ordinal)
    {
        "attachmentType", "name", "size", "contentType", "isInline", "contentId",
    };

    public static IEnumerable<Route> Routes()
    {
        foreach (var prefix in new[] { "users/{user}/messages/{message}", "users/{user}/mailFolders/{folder}/messages/{message}" })
        {
            yield return new Route("POST", prefix + "/attachments/createUploadSession", Operations.CreateUploadSession, Create);
        }

        yield return new Route("PUT", SessionPath, Operations.UploadChunk, Put, outlook: true, upload: true) { UploadUrl = true };
        yield return new Route("GET", SessionPath, Operations.UploadStatus, Status) { UploadUrl = true };
        yield return new Route("DELETE", SessionPath, Operations.CancelUpload, Cancel) { UploadUrl = true };
    }

    private static GraphResponse Create(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);

        // The action's parameter is AttachmentItem (the SDK's spelling); action parameter names compare
        // case-insensitively, as for move's DestinationId.
        GraphJson.RejectUnknown(body, new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "AttachmentItem" }, "microsoft.graph.createUploadSession");
        if (body.FirstOrDefault(kv => kv.Key.Equals("AttachmentItem", StringComparison.OrdinalIgnoreCase)).Value is not JsonObject item)
        {
            throw GraphErrorException.BadRequest("The AttachmentItem parameter is required.");
        }

        GraphJson.RejectUnknown(item, ItemKeys, "microsoft.graph.attachmentItem");
        var type = GraphJson.OptionalString(item, "attachmentType", "microsoft.graph.attachmentItem");
        if (!string.Equals(type, "file", StringComparison.OrdinalIgnoreCase))
        {
            throw GraphErrorException.BadRequest($"attachmentType '{type}' is not served; only 'file' attachments are uploaded in sessions.");
        }

        var name = GraphJson.OptionalString(item, "name", "microsoft.graph.attachmentItem");
        if (string.IsNullOrEmpty(name))
        {
            throw new GraphErrorException(400, "ErrorRequiredPropertyMissing", "AttachmentItem.name is required.");
        }

        if (item["size"] is not JsonValue sizeValue || !sizeValue.TryGetValue<long>(out var size))
        {
            throw new GraphErrorException(400, "ErrorRequiredPropertyMissing", "AttachmentItem.size is required.");
        }

        if (size < MinSessionBytes)
        {
            throw new GraphErrorException(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                $"Attachment size must not be less than {MinSessionBytes} bytes for an upload session; attach smaller files with a POST to attachments.");
        }

        if (size > MaxSessionBytes)
        {
            throw new GraphErrorException(400, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",
                $"Attachment size must not be greater than {MaxSessionBytes} bytes.");
        }

        var mailbox = c.RequireMailbox;
        var session = new UploadSessionEntity
        {
            Id = MailboxEntity.NewId("AAMkA"),
            Token = TokenService.Base64Url(RandomNumberGenerator.GetBytes(32)),
            Mailbox = mailbox,
            MessageId = "",
            Name = name,
            ContentType = GraphJson.OptionalString(item, "contentType", "microsoft.graph.attachmentItem") ?? "application/octet-stream",
            IsInline = GraphJson.OptionalBool(item, "isInline", "microsoft.graph.attachmentItem") ?? false,
            ContentId = GraphJson.OptionalString(item, "contentId", "microsoft.graph.attachmentItem"),
            Size = size,
            Expires = c.Now + c.Emulator.UploadSessionLifetime,
        };
        lock (mailbox.Gate)
        {
            var m = MessageHandlers.Find(c);
            AttachmentHandlers.CheckMessageSize(c, m, size);
            session.MessageId = m.Id;
        }

        c.Emulator.Store.AddUpload(session);
        var url = $"{c.Emulator.Origin}/upload/users/{mailbox.User.Id}/messages/{Uri.EscapeDataString(session.MessageId)}/attachmentSessions/{Uri.EscapeDataString(session.Id)}?authtoken={session.Token}";
        return GraphResponse.Created(UploadUrls.Session(c, url, session.Expires));
    }

    private static GraphResponse Put(RouteContext c)
    {
        var session = Authorize(c);
        var (start, end, total) = UploadUrls.Range(c, "BadRequest");
        var body = c.Request.Body;
        lock (session.Gate)
        {
            if (total != session.Size)
            {
                throw GraphErrorException.BadRequest($"Content-Range total {total} differs from the session's size {session.Size}.");
            }

            if (start != session.Received)
            {
                // "You must upload bytes in a file in order."
                throw new GraphErrorException(416, "InvalidRange", $"The upload must continue at byte {session.Received}; this chunk starts at {start}.");
            }

            if (end < start || end >= total || end - start + 1 != body.Length)
            {
                throw GraphErrorException.BadRequest($"Content-Range {start}-{end} does not match the {body.Length} bytes sent or the file's size.");
            }

            session.Buffer ??= new byte[session.Size];
            body.CopyTo(session.Buffer, start);
            session.Received = end + 1;
            if (session.Received < session.Size)
            {
                return GraphResponse.Ok(StatusJson(c, session));
            }
        }

        var mailbox = session.Mailbox;
        AttachmentEntity attachment;
        lock (mailbox.Gate)
        {
            c.Emulator.Store.RemoveUpload(session.Id);
            if (!mailbox.Messages.TryGetValue(session.MessageId, out var message))
            {
                throw ItemSupport.NotFound();
            }

            attachment = new AttachmentEntity(MailboxEntity.NewId("AAMkA"), session.Name, session.ContentType, session.Buffer!, session.IsInline, session.ContentId, c.Now);
            AttachmentHandlers.Attach(message, attachment, c.Now);
        }

        var response = new GraphResponse(201);
        response.Headers["Location"] =
            $"{c.Emulator.Origin}/api/v2.0/Users('{mailbox.User.Id}')/Messages('{session.MessageId}')/Attachments('{attachment.Id}')";
        return response;
    }

    private static GraphResponse Status(RouteContext c) => GraphResponse.Ok(StatusJson(c, Authorize(c)));

    private static GraphResponse Cancel(RouteContext c)
    {
        var session = Authorize(c);
        c.Emulator.Store.RemoveUpload(session.Id);
        return GraphResponse.NoContent();
    }

    /// <summary>The response shape of the Outlook endpoint behind an uploadUrl, as documented (its own casing).</summary>
    private static JsonObject StatusJson(RouteContext c, UploadSessionEntity s) => new()
    {
        ["@odata.context"] = $"{c.Emulator.Origin}/api/v2.0/$metadata#Users('{s.Mailbox.User.Id}')/Messages('{s.MessageId}')/AttachmentSessions/$entity",
        ["ExpirationDateTime"] = GraphJson.Iso(s.Expires),
        ["nextExpectedRanges"] = new JsonArray(s.Received.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>The session named in the URL, if the URL's own token is right and has not expired.</summary>
    private static UploadSessionEntity Authorize(RouteContext c)
    {
        var session = c.Emulator.Store.FindUpload(c.Value("session"));
        if (session is null || session.Mailbox != c.Mailbox || session.MessageId != c.Value("message"))
        {
            throw GraphErrorException.NotFound("The upload session does not exist (completed, cancelled or never created).");
        }

        if (!UploadUrls.TokenMatches(c, session.Token))
        {
            throw new GraphErrorException(401, "InvalidAuthenticationToken", "The uploadUrl's token is not valid.");
        }

        if (session.Expires <= c.Now)
        {
            // The documentation says the URL's token expires at expirationDateTime; the exact answer is not documented.
            c.Emulator.Store.RemoveUpload(session.Id);
            throw new GraphErrorException(401, "InvalidAuthenticationToken", "The upload session has expired.");
        }

        return session;
    }
}

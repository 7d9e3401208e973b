using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Puts one large attachment on a message through an attachment upload session: the session is created with the
/// attachment's name, type and size; the bytes go in order in chunks under 4 MB (multiples of 320 KiB) to the upload
/// URL, without an Authorization header (the URL carries its own token). A chunk that fails is resumed from the
/// server's <c>nextExpectedRanges</c>; a throttled one waits for its Retry-After.
/// </summary>
public sealed class GraphUploader(GraphSession session, GraphEngine engine, ILogger logger, TimeProvider time)
{
    /// <summary>Uploads the attachment; returns null when done, or Graph's reason when it refused.</summary>
    public async Task<string?> UploadAsync(string mailbox, string messagePath, GraphAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var item = new Dictionary<string, object?>
        {
            ["attachmentType"] = "file",
            ["name"] = attachment.Name,
            ["size"] = attachment.Size,
            ["contentType"] = attachment.ContentType,
            ["isInline"] = attachment.IsInline,
        };
        if (attachment.ContentId is { } contentId)
        {
            item["contentId"] = contentId;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["AttachmentItem"] = item });
        var created = await engine.RunAsync(mailbox, new GraphOperation("POST", $"{messagePath}/attachments/createUploadSession", body), cancellationToken);
        if (!created.IsDone || created.Property("uploadUrl") is not { } url)
        {
            return created.Reason;
        }

        await using var content = attachment.Open();
        var sent = await new UploadUrlClient(session, logger, time).SendAsync(
            new Uri(url), content, attachment.Size, 0, session.Options.UploadChunkBytes, null, cancellationToken);
        if (sent.Reason is not null)
        {
            return sent.Reason;
        }

        logger.LogDebug("attachment {Name} ({Size} bytes) uploaded to {Mailbox}", attachment.Name, attachment.Size, mailbox);
        return null;
    }
}

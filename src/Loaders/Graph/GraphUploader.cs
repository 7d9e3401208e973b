using System.Globalization;
using System.Net.Http.Headers;
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

        var uploadUrl = new Uri(url);
        await using var content = attachment.Open();
        var chunk = new byte[Math.Min(session.Options.UploadChunkBytes, Math.Max(1, attachment.Size))];
        long offset = 0;
        var failures = 0;
        DateTimeOffset? throttledSince = null;
        while (offset < attachment.Size)
        {
            content.Position = offset;
            var length = (int)Math.Min(chunk.Length, attachment.Size - offset);
            await content.ReadExactlyAsync(chunk.AsMemory(0, length), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(chunk, 0, length) };
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, attachment.Size);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            int status;
            TimeSpan? retryAfter = null;
            string answer;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(session.Options.RequestTimeout);
                using var response = await session.Anonymous.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta;
                answer = await response.Content.ReadAsStringAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                status = 0;
                answer = ex.Message;
            }

            if (status is 200 or 201 or 202)
            {
                offset += length;
                failures = 0;
                continue;
            }

            if (status == 429)
            {
                throttledSince ??= time.GetUtcNow();
                if (time.GetUtcNow() - throttledSince > session.Options.MaxThrottledWait)
                {
                    return $"the upload stayed throttled for over {session.Options.MaxThrottledWait.TotalMinutes:0} minutes";
                }

                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), time, cancellationToken);
                continue;
            }

            throttledSince = null;
            if (status is 0 or >= 500)
            {
                if (++failures > session.Options.MaxRetries)
                {
                    return $"the upload session kept failing ({status}: {answer})";
                }

                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures) * 0.25)), time, cancellationToken);
                offset = await NextExpectedAsync(uploadUrl, offset, cancellationToken);
                continue;
            }

            if (status == 416)
            {
                offset = await NextExpectedAsync(uploadUrl, offset, cancellationToken);
                continue;
            }

            return $"HTTP {status}: {answer}";
        }

        logger.LogDebug("attachment {Name} ({Size} bytes) uploaded to {Mailbox}", attachment.Name, attachment.Size, mailbox);
        return null;
    }

    /// <summary>Where the session wants the next bytes (asked of the upload URL), or the offset we had.</summary>
    private async Task<long> NextExpectedAsync(Uri uploadUrl, long offset, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await session.Anonymous.GetAsync(uploadUrl, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return offset;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (document.RootElement.TryGetProperty("nextExpectedRanges", out var ranges) && ranges.GetArrayLength() > 0)
            {
                // "1048576-" or, as Graph's own example shows it, "1048576".
                var first = ranges[0].GetString() ?? "0";
                var dash = first.IndexOf('-', StringComparison.Ordinal);
                return long.Parse(dash < 0 ? first : first[..dash], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or FormatException)
        {
            logger.LogDebug("upload session status unreadable: {Reason}", ex.Message);
        }

        return offset;
    }
}

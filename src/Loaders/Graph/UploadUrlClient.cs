using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Platform.Telemetry;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Sends bytes to a Graph upload URL (attachment or drive item upload sessions): in order, in chunks of the size given
/// (a multiple of 320 KiB), each with its Content-Range, without an Authorization header (the URL carries its own
/// token). A chunk that fails is resumed from the session's <c>nextExpectedRanges</c> (asked of the URL); a throttled one
/// waits for its Retry-After. This is the retry layer for upload URLs, which <see cref="GraphEngine"/> does not send.
/// </summary>
public sealed class UploadUrlClient(GraphSession session, ILogger logger, TimeProvider time)
{
    /// <summary>How the upload ended: <see cref="Reason"/> null when every byte was taken; the last answer's status and body.</summary>
    public sealed record Result(string? Reason, int Status, string Body);

    /// <summary>
    /// Sends <paramref name="content"/> from <paramref name="offset"/> to its end (<paramref name="size"/>) in chunks of
    /// <paramref name="chunkBytes"/> to <paramref name="uploadUrl"/>; <paramref name="onFragment"/> is called with the next
    /// offset after each fragment the session took.
    /// </summary>
    public async Task<Result> SendAsync(
        Uri uploadUrl, Stream content, long size, long offset, int chunkBytes, Action<long>? onFragment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var chunk = new byte[Math.Min(chunkBytes, Math.Max(1, size))];
        var failures = 0;
        DateTimeOffset? throttledSince = null;
        var status = 0;
        var answer = string.Empty;
        while (offset < size)
        {
            content.Position = offset;
            var length = (int)Math.Min(chunk.Length, size - offset);
            await content.ReadExactlyAsync(chunk.AsMemory(0, length), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(chunk, 0, length) };
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + length - 1, size);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            TimeSpan? retryAfter = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(session.Options.RequestTimeout);
                // A cluster node that lost the account (frozen, taken over) sends no further chunk.
                WriteFence.Check();
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
                onFragment?.Invoke(offset);
                continue;
            }

            if (status == 429)
            {
                throttledSince ??= time.GetUtcNow();
                if (time.GetUtcNow() - throttledSince > session.Options.MaxThrottledWait)
                {
                    return new Result($"the upload stayed throttled for over {session.Options.MaxThrottledWait.TotalMinutes:0} minutes", status, answer);
                }

                DxmigMetrics.ThrottleWaited(ThrottledEndpoint.Graph, retryAfter ?? TimeSpan.FromSeconds(1));
                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), time, cancellationToken);
                continue;
            }

            throttledSince = null;
            if (status is 0 or >= 500)
            {
                if (++failures > session.Options.MaxRetries)
                {
                    return new Result($"the upload session kept failing ({status}: {answer})", status, answer);
                }

                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures) * 0.25)), time, cancellationToken);
                offset = await NextExpectedAsync(uploadUrl, cancellationToken) ?? offset;
                continue;
            }

            if (status == 416)
            {
                offset = await NextExpectedAsync(uploadUrl, cancellationToken) ?? offset;
                continue;
            }

            return new Result($"HTTP {status}: {answer}", status, answer);
        }

        return new Result(null, status, answer);
    }

    /// <summary>Where the session wants the next bytes (asked of the upload URL); null when it cannot tell (gone, expired, unreadable).</summary>
    public async Task<long?> NextExpectedAsync(Uri uploadUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await session.Anonymous.GetAsync(uploadUrl, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (document.RootElement.TryGetProperty("nextExpectedRanges", out var ranges) && ranges.GetArrayLength() > 0)
            {
                // "1048576-" or, as Graph's own example for attachments shows it, "1048576".
                var first = ranges[0].GetString() ?? "0";
                var dash = first.IndexOf('-', StringComparison.Ordinal);
                return long.Parse(dash < 0 ? first : first[..dash], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or FormatException)
        {
            logger.LogDebug("upload session status unreadable: {Reason}", ex.Message);
        }

        return null;
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Platform.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Sends Graph requests for one mailbox at a time in <c>$batch</c> requests of up to 20 (and under the 4 MB request
/// cap), one batch in flight per mailbox (Outlook runs at most 4 requests of a mailbox at once, and one batch already
/// uses them), many mailboxes in parallel. This is the only retry layer (the SDK's retry handler is taken out):
/// a throttled request (429, whole batch or per item) is sent again after its Retry-After; an idempotent request that
/// failed (5xx, timeout, dropped connection) is sent again after a back-off; a create that failed that way is handed
/// back in doubt, because it may have happened, and the caller looks it up before sending it again. Each mailbox has a
/// Polly circuit breaker and a per-request timeout: a mailbox whose requests keep failing is given up for this run
/// (its account fails, the others go on) instead of stalling everything.
/// </summary>
public sealed class GraphEngine(GraphSession session, ILogger logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Lane> lanes = new(StringComparer.OrdinalIgnoreCase);
    private long httpRequests;
    private long operations;
    private long throttled;
    private long retried;

    public GraphTargetOptions Options => session.Options;

    /// <summary>HTTP requests sent (a <c>$batch</c> counts once).</summary>
    public long HttpRequests => Interlocked.Read(ref httpRequests);

    /// <summary>Graph operations sent, each batch item counted (what Graph's request budgets count), retries included.</summary>
    public long Operations => Interlocked.Read(ref operations);

    /// <summary>Operations answered 429.</summary>
    public long Throttled => Interlocked.Read(ref throttled);

    /// <summary>Operations sent again after a failure (not throttling).</summary>
    public long Retried => Interlocked.Read(ref retried);

    /// <summary>Sends one operation (retried as described) and returns its outcome.</summary>
    public async Task<GraphOutcome> RunAsync(string mailbox, GraphOperation operation, CancellationToken cancellationToken) =>
        (await RunAsync(mailbox, [operation], cancellationToken))[0];

    /// <summary>Sends the operations, batched, until each is done, refused, or (a create) in doubt.</summary>
    /// <exception cref="AccountFailedException">The mailbox keeps failing: its circuit is open or the retries are spent.</exception>
    public async Task<IReadOnlyList<GraphOutcome>> RunAsync(string mailbox, IReadOnlyList<GraphOperation> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new GraphOutcome?[batch.Count];
        var failures = new int[batch.Count];
        var throttledSince = new DateTimeOffset?[batch.Count];
        var pending = Enumerable.Range(0, batch.Count).ToList();
        var lane = lanes.GetOrAdd(mailbox, _ => new Lane(session.Options, time));
        while (pending.Count > 0)
        {
            var again = new List<int>();
            var wait = TimeSpan.Zero;
            var throttledRound = false;
            foreach (var group in Pack(pending, batch))
            {
                var answers = await SendAsync(lane, mailbox, group.Select(i => batch[i]).ToList(), cancellationToken);
                for (var k = 0; k < group.Count; k++)
                {
                    var index = group[k];
                    var operation = batch[index];
                    var answer = answers[k];
                    Interlocked.Increment(ref operations);
                    if (answer.Status == 429)
                    {
                        Interlocked.Increment(ref throttled);
                        var since = throttledSince[index] ??= time.GetUtcNow();
                        if (time.GetUtcNow() - since > session.Options.MaxThrottledWait)
                        {
                            // Graph's budgets free up within minutes; a request throttled for this long will not get
                            // through (larger than the whole budget, or the mailbox is held by something else).
                            throw new AccountFailedException(
                                $"{mailbox} への要求が {session.Options.MaxThrottledWait.TotalMinutes:0} 分以上スロットリングされ続けています ({answer.Describe()})",
                                $"requests for {mailbox} have been throttled for over {session.Options.MaxThrottledWait.TotalMinutes:0} minutes ({answer.Describe()})");
                        }

                        again.Add(index);
                        throttledRound = true;
                        wait = Max(wait, answer.RetryAfter ?? TimeSpan.FromSeconds(1));
                    }
                    else if (answer.Status is >= 200 and < 300 || (answer.Status == 404 && operation.Method == "DELETE"))
                    {
                        results[index] = GraphOutcome.FromJson(GraphOutcomeKind.Done, answer.Status, answer.Body);
                    }
                    else if (answer.Status is 0 or 408 or 424 or >= 500)
                    {
                        if (!operation.Idempotent && answer.Status != 424)
                        {
                            results[index] = GraphOutcome.FromJson(GraphOutcomeKind.InDoubt, answer.Status, answer.Body) with
                            {
                                ErrorMessage = answer.Failure ?? GraphOutcome.FromJson(GraphOutcomeKind.InDoubt, answer.Status, answer.Body).ErrorMessage,
                            };
                            continue;
                        }

                        if (++failures[index] > session.Options.MaxRetries)
                        {
                            throw new AccountFailedException(
                                $"Graph が {mailbox} への要求に {failures[index]} 回続けて失敗しました ({answer.Describe()})",
                                $"Graph failed {failures[index]} times in a row for {mailbox} ({answer.Describe()})");
                        }

                        Interlocked.Increment(ref retried);
                        again.Add(index);
                        wait = Max(wait, answer.RetryAfter ?? Backoff(failures[index]));
                    }
                    else
                    {
                        results[index] = GraphOutcome.FromJson(GraphOutcomeKind.Refused, answer.Status, answer.Body);
                    }
                }
            }

            if (again.Count > 0)
            {
                logger.LogDebug("Graph {Mailbox}: {Count} requests again after {Wait}", mailbox, again.Count, wait);
                if (throttledRound)
                {
                    DxmigMetrics.ThrottleWaited(ThrottledEndpoint.Graph, wait);
                }

                await Task.Delay(wait, time, cancellationToken);
            }

            pending = again;
        }

        return [.. results.Select(r => r!)];
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private TimeSpan Backoff(int failure)
    {
        var seconds = Math.Min(session.Options.MaxBackoff.TotalSeconds, 0.25 * Math.Pow(2, failure));
        return TimeSpan.FromSeconds(seconds * (0.75 + (Random.Shared.NextDouble() * 0.5)));
    }

    /// <summary>Groups of at most <see cref="GraphTargetOptions.BatchSize"/> operations under the request cap.</summary>
    private List<List<int>> Pack(List<int> pending, IReadOnlyList<GraphOperation> batch)
    {
        var groups = new List<List<int>>();
        var current = new List<int>();
        var bytes = 64;
        foreach (var index in pending)
        {
            var size = batch[index].BatchBytes;
            if (current.Count > 0 && (current.Count >= session.Options.BatchSize || bytes + size > session.Options.MaxRequestBytes || !batch[index].IsJson || !batch[current[0]].IsJson))
            {
                groups.Add(current);
                current = [];
                bytes = 64;
            }

            current.Add(index);
            bytes += size;
        }

        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    /// <summary>Sends one request (alone, or a <c>$batch</c>) and returns one answer per operation.</summary>
    private async Task<IReadOnlyList<Answer>> SendAsync(Lane lane, string mailbox, List<GraphOperation> group, CancellationToken cancellationToken)
    {
        await lane.Gate.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Increment(ref httpRequests);
            return await lane.Pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = group.Count == 1 ? Single(group[0]) : Batch(group);
                    WriteFence.Check();
                    using var response = await session.Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                    var body = await response.Content.ReadAsByteArrayAsync(token);
                    var status = (int)response.StatusCode;
                    var retryAfter = RetryAfter(response.Headers.RetryAfter, time);
                    if (group.Count == 1 || status != 200)
                    {
                        // A single request's answer, or the whole batch refused/throttled/failed: the same for every item.
                        var element = Json(body);
                        return (IReadOnlyList<Answer>)[.. group.Select(_ => new Answer(status, element, retryAfter))];
                    }

                    return Unbatch(body, group.Count);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw new AccountFailedException(
                $"移行先メールボックス {mailbox} への Graph の要求が失敗し続けているため、この実行では止めます (次の実行で再開)",
                $"Graph requests for {mailbox} keep failing; the mailbox is given up for this run (the next run resumes it)", ex);
        }
        catch (HttpRequestException ex) when (GraphSession.Untrusted(ex))
        {
            throw GraphSession.UntrustedCertificate(session.Options.BaseUrl, ex);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested && EndpointFailure.Classify(ex) is { Kind: EndpointFailureKind.Refused or EndpointFailureKind.NameNotFound } fault)
        {
            // Graph itself cannot be reached (nothing was sent): the account fails now, and the run's circuit counts it.
            throw GraphSession.Unreachable(session.Options.BaseUrl, "Microsoft Graph", fault.Kind, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // No answer at all: the request may or may not have been carried out.
            var reason = ex is TimeoutRejectedException ? "timed out" : $"connection failed: {ex.Message}";
            return [.. group.Select(_ => new Answer(0, default, null, reason))];
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    private HttpRequestMessage Single(GraphOperation operation)
    {
        var request = new HttpRequestMessage(new HttpMethod(operation.Method), session.Url(operation.Path));
        request.Headers.TryAddWithoutValidation("Prefer", "IdType=\"ImmutableId\"");
        if (!operation.Body.IsEmpty)
        {
            request.Content = new ReadOnlyMemoryContent(operation.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(operation.ContentType);
        }

        return request;
    }

    private HttpRequestMessage Batch(List<GraphOperation> group)
    {
        var buffer = new ArrayBufferWriter<byte>(group.Sum(o => o.BatchBytes) + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("requests");
            for (var i = 0; i < group.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("id", i.ToString(CultureInfo.InvariantCulture));
                writer.WriteString("method", group[i].Method);
                writer.WriteString("url", group[i].Path);
                writer.WriteStartObject("headers");
                writer.WriteString("Prefer", "IdType=\"ImmutableId\"");
                if (!group[i].Body.IsEmpty)
                {
                    writer.WriteString("Content-Type", "application/json");
                    writer.WriteEndObject();
                    writer.WritePropertyName("body");
                    writer.WriteRawValue(group[i].Body.Span, skipInputValidation: true);
                }
                else
                {
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var request = new HttpRequestMessage(HttpMethod.Post, session.Url("/$batch"))
        {
            Content = new ReadOnlyMemoryContent(buffer.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    private static List<Answer> Unbatch(byte[] body, int count)
    {
        var answers = Enumerable.Repeat(new Answer(0, default, null, "no answer for this item in the $batch response"), count).ToList();
        var root = Json(body);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("responses", out var responses) || responses.ValueKind != JsonValueKind.Array)
        {
            return answers;
        }

        foreach (var item in responses.EnumerateArray())
        {
            if (!int.TryParse(item.GetProperty("id").GetString(), CultureInfo.InvariantCulture, out var id) || id < 0 || id >= count)
            {
                continue;
            }

            TimeSpan? retryAfter = null;
            if (item.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in headers.EnumerateObject())
                {
                    if (header.Name.Equals("Retry-After", StringComparison.OrdinalIgnoreCase) &&
                        double.TryParse(header.Value.ToString(), CultureInfo.InvariantCulture, out var seconds))
                    {
                        retryAfter = TimeSpan.FromSeconds(seconds);
                    }
                }
            }

            var itemBody = item.TryGetProperty("body", out var b) ? b : default;
            answers[id] = new Answer(item.GetProperty("status").GetInt32(), itemBody, retryAfter);
        }

        return answers;
    }

    private static JsonElement Json(byte[] body)
    {
        if (body.Length == 0)
        {
            return default;
        }

        try
        {
            // Not JsonDocument.Parse(..).RootElement: that document rents pooled buffers and nothing would dispose it.
            // ParseValue gives an element that owns its memory and needs no disposing.
            var reader = new Utf8JsonReader(body);
            return JsonElement.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, TimeProvider time) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>One operation's answer; status 0: none came (<see cref="Failure"/> says why).</summary>
    private readonly record struct Answer(int Status, JsonElement Body, TimeSpan? RetryAfter, string? Failure = null)
    {
        public string Describe() => Failure ?? GraphOutcome.FromJson(GraphOutcomeKind.Refused, Status, Body).Reason;
    }

    /// <summary>A mailbox's lane: one request in flight, a circuit breaker and a timeout per request.</summary>
    private sealed class Lane
    {
        public Lane(GraphTargetOptions options, TimeProvider time)
        {
            Pipeline = new ResiliencePipelineBuilder<IReadOnlyList<Answer>> { TimeProvider = time }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<IReadOnlyList<Answer>>
                {
                    FailureRatio = options.CircuitFailureRatio,
                    MinimumThroughput = options.CircuitMinimumThroughput,
                    SamplingDuration = options.CircuitSamplingDuration,
                    BreakDuration = options.CircuitBreakDuration,
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                    {
                        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
                        { Result: { Count: > 0 } answers } => answers[0].Status >= 500,
                        _ => false,
                    }),
                })
                .AddTimeout(options.RequestTimeout)
                .Build();
        }

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ResiliencePipeline<IReadOnlyList<Answer>> Pipeline { get; }
    }
}

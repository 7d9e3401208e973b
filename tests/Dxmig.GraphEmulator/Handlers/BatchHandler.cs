using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary><c>POST /$batch</c>: at most 20 requests with relative urls and unique ids; <c>dependsOn</c> (a failed
/// dependency answers 424 for its dependents); each item is routed, throttled and fault-injected on its own, so a
/// throttled item carries 429 and Retry-After in its own headers while the batch answers 200. Outlook runs at most
/// four items of one batch for the same mailbox at once; the rest wait for one of those four.</summary>
internal static class BatchHandler
{
    public const int MaxRequests = 20;

    public const int ItemsPerMailboxAtOnce = 4;

    private static readonly HashSet<string> ItemKeys = new(StringComparer.Ordinal) { "id", "method", "url", "headers", "body", "dependsOn" };

    private static readonly HashSet<string> Methods = new(StringComparer.OrdinalIgnoreCase) { "GET", "POST", "PATCH", "PUT", "DELETE" };

    public static IEnumerable<Route> Routes(GraphPipeline pipeline) =>
    [
        new Route("POST", "$batch", Operations.Batch, (c, ct) => RunAsync(pipeline, c, ct), outlook: false, upload: false),
    ];

    private static async ValueTask<GraphResponse> RunAsync(GraphPipeline pipeline, RouteContext c, CancellationToken ct)
    {
        if (c.Request.InBatch)
        {
            throw GraphErrorException.BadRequest("A $batch cannot contain another $batch.");
        }

        var items = Parse(c);
        var results = new Dictionary<string, Task<GraphResponse>>(StringComparer.OrdinalIgnoreCase);
        var gates = new Dictionary<string, SemaphoreSlim>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            var mailbox = MailboxKey(item.Request.Path);
            if (!gates.TryGetValue(mailbox, out var gate))
            {
                gate = new SemaphoreSlim(ItemsPerMailboxAtOnce);
                gates[mailbox] = gate;
            }

            var dependencies = item.DependsOn.Select(d => results[d]).ToArray();
            results[item.Id] = RunItemAsync(pipeline, item, dependencies, gate, c, ct);
        }

        var responses = new JsonArray();
        foreach (var item in items)
        {
            responses.Add(Render(item.Id, await results[item.Id]));
        }

        foreach (var gate in gates.Values)
        {
            gate.Dispose();
        }

        return GraphResponse.Ok(new JsonObject { ["responses"] = responses });
    }

    private static async Task<GraphResponse> RunItemAsync(GraphPipeline pipeline, BatchItem item, Task<GraphResponse>[] dependencies, SemaphoreSlim gate, RouteContext c, CancellationToken ct)
    {
        if (dependencies.Length > 0)
        {
            var done = await Task.WhenAll(dependencies);
            if (done.Any(d => !d.IsSuccess))
            {
                return pipeline.Error(item.Request, new GraphErrorException(424, "FailedDependency", "Failed dependency: a request this one depends on failed."));
            }
        }

        await gate.WaitAsync(ct);
        try
        {
            // Let the other items of the batch start before this one runs, as the service does.
            await Task.Yield();
            return await pipeline.ExecuteAsync(item.Request, topLevel: false, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private static List<BatchItem> Parse(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        if (body["requests"] is not JsonArray requests)
        {
            throw GraphErrorException.BadRequest("Invalid batch payload format: 'requests' must be an array.");
        }

        if (requests.Count == 0)
        {
            throw GraphErrorException.BadRequest("Invalid batch payload format: 'requests' is empty.");
        }

        if (requests.Count > MaxRequests)
        {
            throw GraphErrorException.BadRequest($"Invalid batch payload format: the number of requests ({requests.Count}) exceeds the limit of {MaxRequests}.");
        }

        var items = new List<BatchItem>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in requests)
        {
            if (node is not JsonObject o)
            {
                throw GraphErrorException.BadRequest("Invalid batch payload format: each request must be an object.");
            }

            GraphJson.RejectUnknown(o, ItemKeys, "batch request");
            var id = GraphJson.OptionalString(o, "id", "batch request");
            if (string.IsNullOrEmpty(id) || !ids.Add(id))
            {
                throw GraphErrorException.BadRequest($"Invalid batch payload format: request id '{id}' is missing or not unique.");
            }

            var method = GraphJson.OptionalString(o, "method", "batch request");
            if (method is null || !Methods.Contains(method))
            {
                throw GraphErrorException.BadRequest($"Invalid batch payload format: request '{id}' has an invalid method '{method}'.");
            }

            var url = GraphJson.OptionalString(o, "url", "batch request");
            if (string.IsNullOrEmpty(url) || url.Contains("://", StringComparison.Ordinal))
            {
                throw GraphErrorException.BadRequest($"Invalid batch payload format: request '{id}' must have a relative url.");
            }

            var dependsOn = new List<string>();
            if (o["dependsOn"] is JsonArray deps)
            {
                foreach (var d in deps)
                {
                    var dep = d?.GetValue<string>();
                    if (dep is null || !ids.Contains(dep) || string.Equals(dep, id, StringComparison.OrdinalIgnoreCase))
                    {
                        // Dependencies must name an earlier request of the same batch.
                        throw GraphErrorException.BadRequest($"Invalid batch payload format: request '{id}' depends on '{dep}', which is not an earlier request of this batch.");
                    }

                    dependsOn.Add(dep);
                }
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (o["headers"] is JsonObject h)
            {
                foreach (var (name, value) in h)
                {
                    headers[name] = value?.ToString() ?? "";
                }
            }

            var payload = Array.Empty<byte>();
            if (o["body"] is { } b)
            {
                if (!headers.TryGetValue("Content-Type", out var type))
                {
                    throw GraphErrorException.BadRequest($"Invalid batch payload format: request '{id}' has a body but no Content-Type header.");
                }

                payload = type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
                    ? Encoding.UTF8.GetBytes(b.ToJsonString())
                    : Base64Body(b, id);
            }

            var relative = url.StartsWith('/') ? url : "/" + url;
            var q = relative.IndexOf('?', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(q < 0 ? relative : relative[..q]);
            var query = q < 0
                ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                : QueryHelpers.ParseQuery(relative[q..]).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            items.Add(new BatchItem(id, dependsOn, new GraphRequest
            {
                Method = method.ToUpperInvariant(),
                Path = path,
                Query = query,
                Headers = headers,
                Body = payload,
                RequestId = Guid.NewGuid().ToString("D"),
                InBatch = true,
                Roles = c.Request.Roles,
            }));
        }

        return items;
    }

    /// <summary>A non-JSON body travels as a base64 string (MIME creates in a batch).</summary>
    private static byte[] Base64Body(JsonNode b, string id)
    {
        if (b is JsonValue v && v.TryGetValue<string>(out var s))
        {
            try
            {
                return Convert.FromBase64String(s);
            }
            catch (FormatException)
            {
            }
        }

        throw GraphErrorException.BadRequest($"Invalid batch payload format: the body of request '{id}' must be base64 for a non-JSON Content-Type.");
    }

    /// <summary>The user segment of a url, which is what Outlook's per-mailbox limit is about.</summary>
    private static string MailboxKey(string path)
    {
        var parts = path.Trim('/').Split('/');
        return parts.Length >= 2 && parts[0].Equals("users", StringComparison.OrdinalIgnoreCase) ? parts[1] : "";
    }

    private static JsonObject Render(string id, GraphResponse r)
    {
        var headers = new JsonObject();
        foreach (var (name, value) in r.Headers)
        {
            headers[name] = value;
        }

        if (r.Json is not null)
        {
            headers["Content-Type"] = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";
        }
        else if (r.Bytes is not null)
        {
            headers["Content-Type"] = r.ContentType ?? "application/octet-stream";
        }

        var o = new JsonObject { ["id"] = id, ["status"] = r.Abort ? 500 : r.Status, ["headers"] = headers };
        if (r.Json is not null)
        {
            o["body"] = r.Json.DeepClone();
        }
        else if (r.Bytes is not null)
        {
            o["body"] = Convert.ToBase64String(r.Bytes);
        }

        return o;
    }

    private sealed record BatchItem(string Id, List<string> DependsOn, GraphRequest Request);
}

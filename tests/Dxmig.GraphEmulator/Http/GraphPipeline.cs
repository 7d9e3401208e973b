using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Http;

/// <summary>Runs one Graph call (an HTTP request or a $batch item): routing, mailbox, faults, throttling, the handler,
/// stats. Authentication and the size cap are the HTTP endpoint's business; a batch item inherits them.</summary>
internal sealed class GraphPipeline(EmulatorContext context, EmulatorThrottling throttling, EmulatorFaults faults, EmulatorStats stats)
{
    private readonly List<Route> _routes = [];

    public EmulatorContext Context => context;

    public void Add(IEnumerable<Route> routes) => _routes.AddRange(routes);

    public async Task<GraphResponse> ExecuteAsync(GraphRequest request, bool topLevel, CancellationToken ct)
    {
        var segments = request.Path.Trim('/').Split('/');
        Route? route = null;
        Dictionary<string, string>? values = null;
        var pathKnown = false;
        foreach (var r in _routes)
        {
            var v = r.UploadUrl == request.ViaUploadUrl ? r.Match(segments) : null;
            if (v is null)
            {
                continue;
            }

            pathKnown = true;
            if (string.Equals(r.Method, request.Method, StringComparison.OrdinalIgnoreCase))
            {
                route = r;
                values = v;
                break;
            }
        }

        if (route is null || values is null)
        {
            var error = pathKnown
                ? new GraphErrorException(405, "Request_BadRequest", $"The HTTP method '{request.Method}' is not allowed on this resource.")
                : GraphErrorException.BadRequest($"Resource not found for the segment '{segments[^1]}'.");
            var failed = GraphJson.ErrorResponse(error, request, context.Time.GetUtcNow());
            stats.Count("", Operations.Unknown, request.Body.Length, failed.Status);
            return failed;
        }

        if (!request.ViaUploadUrl && AppRoles.Deny(route, request) is { } refused)
        {
            // Graph checks the app's permission before it looks the user or item up.
            var failed = GraphJson.ErrorResponse(refused, request, context.Time.GetUtcNow());
            stats.Count("", route.Operation, request.Body.Length, failed.Status);
            return failed;
        }

        MailboxEntity? mailbox = null;
        if (values.TryGetValue("user", out var user))
        {
            mailbox = context.Store.Find(user);
            if (mailbox is null)
            {
                var error = route.Outlook
                    ? new GraphErrorException(404, "ErrorInvalidUser", $"The requested user '{user}' is invalid.")
                    : new GraphErrorException(404, "Request_ResourceNotFound", $"Resource '{user}' does not exist or one of its queried reference-property objects are not present.");
                var failed = GraphJson.ErrorResponse(error, request, context.Time.GetUtcNow());
                stats.Count("", route.Operation, request.Body.Length, failed.Status);
                return failed;
            }
        }

        var upn = mailbox?.User.UserPrincipalName;
        var response = await RunAsync(route, new RouteContext { Request = request, Values = values, Mailbox = mailbox, Emulator = context }, topLevel, ct);
        stats.Count(upn ?? "", route.Operation, request.Body.Length, response.Status);
        if (request.InBatch)
        {
            // Only the operation counter: the mailbox's totals already hold this request under its own operation.
            stats.CountOperationOnly(upn ?? "", Operations.BatchItem, request.Body.Length, response.Status);
        }

        return response;
    }

    private async Task<GraphResponse> RunAsync(Route route, RouteContext rc, bool topLevel, CancellationToken ct)
    {
        var request = rc.Request;
        var upn = rc.Mailbox?.User.UserPrincipalName;
        var fault = faults.Draw(request.Method, request.Path, upn, topLevel, before: true);
        switch (fault?.Kind)
        {
            case FaultKind.DropConnection:
                return new GraphResponse(0) { Abort = true };
            case FaultKind.ServiceUnavailable:
                return Error(request, new GraphErrorException(503, "serviceNotAvailable", "The service is temporarily unavailable (injected fault).") { RetryAfterSeconds = 1 });
            case FaultKind.GatewayTimeout:
                return Error(request, new GraphErrorException(504, "UnknownError", "The gateway timed out (injected fault, before processing)."));
        }

        IDisposable? lease = null;
        if (route.Outlook && rc.Mailbox is not null)
        {
            var decision = throttling.TryEnter(rc.Mailbox.User.Id, route.Upload ? request.Body.Length : 0);
            if (!decision.Admitted)
            {
                // Graph's own words for Outlook throttling: 429, code ApplicationThrottled, "Application is over its
                // MailboxConcurrency limit." (and IncomingBytes for the upload budget).
                return Error(request, new GraphErrorException(429, "ApplicationThrottled", $"Application is over its {decision.Reason} limit.")
                {
                    RetryAfterSeconds = decision.RetryAfterSeconds,
                });
            }

            lease = decision.Lease;
            stats.ObserveConcurrency(upn!, decision.ConcurrencyNow);
        }

        GraphResponse response;
        try
        {
            if (fault?.Kind == FaultKind.Delay)
            {
                await Task.Delay(fault.Delay, context.Time, ct);
            }

            response = await route.Handler(rc, ct);
        }
        catch (GraphErrorException e)
        {
            response = Error(request, e);
        }
        finally
        {
            lease?.Dispose();
        }

        if (!response.IsSuccess)
        {
            return response;
        }

        var after = faults.Draw(request.Method, request.Path, upn, topLevel, before: false);
        return after?.Kind switch
        {
            FaultKind.GatewayTimeoutAfterProcessing =>
                Error(request, new GraphErrorException(504, "UnknownError", "The gateway timed out (injected fault, after the request was processed).")),
            FaultKind.LoseResponse => new GraphResponse(0) { Abort = true },
            _ => response,
        };
    }

    public GraphResponse Error(GraphRequest request, GraphErrorException e) => GraphJson.ErrorResponse(e, request, context.Time.GetUtcNow());
}

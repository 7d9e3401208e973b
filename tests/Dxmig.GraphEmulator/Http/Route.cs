namespace Dxmig.GraphEmulator.Http;

/// <summary>One Graph endpoint: method, path template (<c>users/{user}/mailFolders/{folder}</c>; literal segments
/// compare case-insensitively; a last segment <c>{*rest}</c> takes one or more segments, joined by '/'), operation
/// kind for the stats, and how throttling sees it.</summary>
internal sealed class Route
{
    private readonly string[] _segments;

    public Route(string method, string template, string operation, Func<RouteContext, GraphResponse> handler, bool outlook = true, bool upload = false)
        : this(method, template, operation, (c, _) => ValueTask.FromResult(handler(c)), outlook, upload)
    {
    }

    public Route(string method, string template, string operation, Func<RouteContext, CancellationToken, ValueTask<GraphResponse>> handler, bool outlook, bool upload)
    {
        Method = method;
        Template = template;
        _segments = template.Split('/');
        Operation = operation;
        Handler = handler;
        Outlook = outlook;
        Upload = upload;
    }

    public string Method { get; }

    public string Template { get; }

    public string Operation { get; }

    public Func<RouteContext, CancellationToken, ValueTask<GraphResponse>> Handler { get; }

    /// <summary>An Outlook resource (mail, contacts): takes a mailbox concurrency slot and counts against its budget.</summary>
    public bool Outlook { get; }

    /// <summary>Its request body counts against the mailbox's upload budget.</summary>
    public bool Upload { get; }

    /// <summary>Reached only through a pre-authenticated uploadUrl, never with a bearer token.</summary>
    public bool UploadUrl { get; init; }

    /// <summary>A further condition on the captured values (null: none); the route does not match when it is false.</summary>
    public Func<IReadOnlyDictionary<string, string>, bool>? When { get; init; }

    /// <summary>The captured segments when the path fits the template, else null.</summary>
    public Dictionary<string, string>? Match(string[] path)
    {
        var rest = _segments[^1].StartsWith("{*", StringComparison.Ordinal);
        if (rest ? path.Length < _segments.Length : path.Length != _segments.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _segments.Length; i++)
        {
            var t = _segments[i];
            if (rest && i == _segments.Length - 1)
            {
                if (path[i..].Any(p => p.Length == 0))
                {
                    return null;
                }

                values[t[2..^1]] = string.Join('/', path[i..]);
            }
            else if (t.StartsWith('{'))
            {
                if (path[i].Length == 0)
                {
                    return null;
                }

                values[t[1..^1]] = path[i];
            }
            else if (!string.Equals(t, path[i], StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return When is null || When(values) ? values : null;
    }
}

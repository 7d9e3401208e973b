using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Http;

/// <summary>JSON helpers shared by the handlers: Graph's error shape, strict reading of request bodies.</summary>
internal static class GraphJson
{
    public static readonly JsonSerializerOptions Output = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Graph's error body: code, message and innerError with date, request-id and client-request-id.</summary>
    public static JsonObject Error(string code, string message, string requestId, string? clientRequestId, DateTimeOffset now) =>
        new()
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = requestId,
                    ["client-request-id"] = clientRequestId ?? requestId,
                },
            },
        };

    public static GraphResponse ErrorResponse(GraphErrorException e, GraphRequest request, DateTimeOffset now)
    {
        var response = new GraphResponse(e.Status) { Json = Error(e.Code, e.Message, request.RequestId, request.ClientRequestId, now) };
        if (e.RetryAfterSeconds is int s)
        {
            response.Headers["Retry-After"] = s.ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }

    /// <summary>Parses a request body that must be one JSON object.</summary>
    public static JsonObject ReadObject(GraphRequest request)
    {
        if (request.Body.Length == 0)
        {
            throw GraphErrorException.BadRequest("Empty Payload. JSON content expected.");
        }

        var type = request.ContentType;
        if (type is null || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new GraphErrorException(415, "UnsupportedMediaType", $"Content-Type '{type}' is not supported here; send application/json.");
        }

        try
        {
            return JsonNode.Parse(request.Body) as JsonObject
                   ?? throw GraphErrorException.BodyRead("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw GraphErrorException.BodyRead("Invalid JSON. " + e.Message);
        }
    }

    public static string? OptionalString(JsonObject o, string name, string type)
    {
        if (!o.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            return s;
        }

        throw GraphErrorException.BodyRead($"Cannot convert the value of property '{name}' of type '{type}' to Edm.String.");
    }

    public static bool? OptionalBool(JsonObject o, string name, string type)
    {
        if (!o.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<bool>(out var b))
        {
            return b;
        }

        throw GraphErrorException.BodyRead($"Cannot convert the value of property '{name}' of type '{type}' to Edm.Boolean.");
    }

    /// <summary>Refuses properties the type does not define, as OData does for Graph's closed types.</summary>
    public static void RejectUnknown(JsonObject o, IReadOnlySet<string> known, string type)
    {
        foreach (var (name, _) in o)
        {
            if (name.StartsWith("@odata.", StringComparison.Ordinal) || name.Contains("@odata.", StringComparison.Ordinal))
            {
                continue;
            }

            if (!known.Contains(name))
            {
                throw GraphErrorException.BodyRead(
                    $"The property '{name}' does not exist on type '{type}'. Make sure to only use property names that are defined by the type or mark the type as open type.");
            }
        }
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>What messages and contacts share: extended properties, filters over them, id checks.</summary>
internal static partial class ItemSupport
{
    /// <summary>Reads <c>singleValueExtendedProperties</c> from a create or update body: every id well-formed, every
    /// value a string that parses for its type, no id twice.</summary>
    public static List<(ExtendedPropertyId Id, string Value)> ReadExtended(JsonObject body)
    {
        if (body.ContainsKey("multiValueExtendedProperties"))
        {
            throw GraphErrorException.BadRequest("multiValueExtendedProperties are not served by the Graph emulator.");
        }

        var result = new List<(ExtendedPropertyId, string)>();
        if (!body.TryGetPropertyValue("singleValueExtendedProperties", out var node) || node is null)
        {
            return result;
        }

        if (node is not JsonArray array)
        {
            throw GraphErrorException.BodyRead("singleValueExtendedProperties must be an array.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in array)
        {
            if (item is not JsonObject o)
            {
                throw GraphErrorException.BodyRead("Each singleValueExtendedProperty must be an object with id and value.");
            }

            GraphJson.RejectUnknown(o, ExtendedKeys, "microsoft.graph.singleValueLegacyExtendedProperty");
            var id = ExtendedPropertyId.Parse(GraphJson.OptionalString(o, "id", "microsoft.graph.singleValueLegacyExtendedProperty"));
            var value = GraphJson.OptionalString(o, "value", "microsoft.graph.singleValueLegacyExtendedProperty")
                        ?? throw new GraphErrorException(400, "ErrorInvalidExtendedPropertyValue", $"The extended property '{id.Canonical}' has no value.");
            id.ValidateValue(value);
            if (!seen.Add(id.Canonical))
            {
                throw new GraphErrorException(400, "ErrorInvalidExtendedProperty", $"The extended property '{id.Canonical}' is given more than once.");
            }

            result.Add((id, value));
        }

        return result;
    }

    private static readonly HashSet<string> ExtendedKeys = new(StringComparer.Ordinal) { "id", "value" };

    public static JsonArray RenderExtended(Dictionary<string, (ExtendedPropertyId Id, string Value)> stored, IReadOnlyList<ExtendedPropertyId> wanted)
    {
        var array = new JsonArray();
        foreach (var id in wanted)
        {
            if (stored.TryGetValue(id.Canonical, out var p))
            {
                array.Add(new JsonObject { ["id"] = p.Id.Canonical, ["value"] = p.Value });
            }
        }

        return array;
    }

    /// <summary>Whether an item satisfies every term.</summary>
    public static bool Matches(IReadOnlyList<FilterTerm> terms, JsonObject properties, Dictionary<string, (ExtendedPropertyId Id, string Value)> extended)
    {
        foreach (var term in terms)
        {
            var ok = term switch
            {
                ExtendedPropertyTerm e => extended.TryGetValue(e.Id.Canonical, out var p) && string.Equals(p.Value, e.Value, StringComparison.Ordinal),
                EqualsTerm eq => properties[eq.Property] is JsonValue v && v.TryGetValue<string>(out var s) && string.Equals(s, eq.Value, StringComparison.Ordinal),
                EmailAddressTerm a => properties["emailAddresses"] is JsonArray addresses
                                      && addresses.Any(x => string.Equals(x?["address"]?.GetValue<string>(), a.Address, StringComparison.OrdinalIgnoreCase)),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Refuses ids that cannot be this emulator's (or Exchange's) item ids: Graph answers 400 ErrorInvalidIdMalformed
    /// rather than 404 for those, and a client that passes a display name where an id belongs should hear so.</summary>
    public static void CheckId(string id)
    {
        if (!IdShape().IsMatch(id))
        {
            throw new GraphErrorException(400, "ErrorInvalidIdMalformed", "Id is malformed.");
        }
    }

    public static GraphErrorException NotFound() => GraphErrorException.NotFound("The specified object was not found in the store.");

    [GeneratedRegex(@"^A[A-Za-z0-9]{4}[A-Za-z0-9_\-]{20,}={0,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();
}

using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// Intune (beta only): <c>POST /beta/deviceManagement/importedDeviceIdentities/importDeviceIdentityList</c> with
/// <c>importedDeviceIdentities</c> (importedDeviceIdentifier, importedDeviceIdentityType unknown|imei|serialNumber,
/// description) and <c>overwriteImportedDeviceIdentities</c>; answers one importedDeviceIdentityResult per identity,
/// <c>status</c> false for one that exists and may not be overwritten. The v1.0 endpoint has no such route.
/// </summary>
internal static class DeviceIdentityHandlers
{
    private static readonly HashSet<string> IdentityProperties = new(StringComparer.Ordinal)
    {
        "id", "importedDeviceIdentifier", "importedDeviceIdentityType", "description", "enrollmentState", "platform",
        "createdDateTime", "lastModifiedDateTime", "lastContactedDateTime",
    };

    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "unknown", "imei", "serialNumber" };

    public static IEnumerable<Route> Routes() =>
    [
        new Route("POST", "beta/deviceManagement/importedDeviceIdentities/importDeviceIdentityList", "importDeviceIdentityList", GroupHandlers.Guarded(Import), outlook: false),
    ];

    private static GraphResponse Import(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        GraphJson.RejectUnknown(body, new HashSet<string>(StringComparer.Ordinal) { "importedDeviceIdentities", "overwriteImportedDeviceIdentities" }, "action importDeviceIdentityList");
        var overwrite = GraphJson.OptionalBool(body, "overwriteImportedDeviceIdentities", "action importDeviceIdentityList") ?? false;
        if (body["importedDeviceIdentities"] is not JsonArray list || list.Any(i => i is not JsonObject))
        {
            throw GraphErrorException.BodyRead("'importedDeviceIdentities' must be an array of importedDeviceIdentity objects.");
        }

        var parsed = new List<(string Identifier, string Type, string? Description)>();
        foreach (var item in list.Cast<JsonObject>())
        {
            GraphJson.RejectUnknown(item, IdentityProperties, "microsoft.graph.importedDeviceIdentity");
            var identifier = GraphJson.OptionalString(item, "importedDeviceIdentifier", "microsoft.graph.importedDeviceIdentity");
            var type = GraphJson.OptionalString(item, "importedDeviceIdentityType", "microsoft.graph.importedDeviceIdentity");
            if (string.IsNullOrWhiteSpace(identifier) || type is null || !Types.Contains(type))
            {
                throw GraphErrorException.BadRequest("Each importedDeviceIdentity needs importedDeviceIdentifier and importedDeviceIdentityType (unknown, imei or serialNumber).");
            }

            parsed.Add((identifier, type, GraphJson.OptionalString(item, "description", "microsoft.graph.importedDeviceIdentity")));
        }

        var results = new JsonArray();
        foreach (var (identifier, type, description) in parsed)
        {
            var ok = c.Emulator.Store.Groups.Import(identifier, type, description, overwrite, c.Now);
            results.Add(new JsonObject
            {
                ["@odata.type"] = "#microsoft.graph.importedDeviceIdentityResult",
                ["id"] = identifier,
                ["importedDeviceIdentifier"] = identifier,
                ["importedDeviceIdentityType"] = type,
                ["description"] = description,
                ["status"] = ok,
            });
        }

        return GraphResponse.Ok(new JsonObject { ["value"] = results });
    }
}

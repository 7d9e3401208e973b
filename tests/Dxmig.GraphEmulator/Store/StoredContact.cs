using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator;

/// <summary>A contact as stored: every Graph property received, and extended properties by canonical id.</summary>
public sealed record StoredContact(
    string Id,
    string ParentFolderId,
    string? DisplayName,
    DateTimeOffset CreatedDateTime,
    DateTimeOffset LastModifiedDateTime,
    IReadOnlyDictionary<string, string> ExtendedProperties,
    JsonObject Properties);

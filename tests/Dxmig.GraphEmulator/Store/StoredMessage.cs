using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator;

/// <summary>A message as stored, with every property the emulator keeps. <see cref="Properties"/> is a copy of the
/// client-set Graph properties (subject, body, recipients, flag, categories, …) for anything not lifted out here.</summary>
public sealed record StoredMessage(
    string Id,
    string ParentFolderId,
    bool IsDraft,
    bool IsRead,
    DateTimeOffset CreatedDateTime,
    DateTimeOffset LastModifiedDateTime,
    DateTimeOffset ReceivedDateTime,
    DateTimeOffset SentDateTime,
    string? Subject,
    string? InternetMessageId,
    string? BodyContentType,
    string? BodyContent,
    string? Importance,
    string? FlagStatus,
    IReadOnlyList<string> Categories,
    IReadOnlyList<KeyValuePair<string, string>> InternetMessageHeaders,
    IReadOnlyDictionary<string, string> ExtendedProperties,
    IReadOnlyList<StoredAttachment> Attachments,
    byte[]? Mime,
    JsonObject Properties)
{
    /// <summary>An extended property's value by id in any accepted spelling, or null.</summary>
    public string? ExtendedProperty(string id)
    {
        var parsed = ExtendedPropertyId.TryParse(id) ?? throw new ArgumentException($"Not an extended property id: {id}", nameof(id));
        return ExtendedProperties.TryGetValue(parsed.Canonical, out var v) ? v : null;
    }
}

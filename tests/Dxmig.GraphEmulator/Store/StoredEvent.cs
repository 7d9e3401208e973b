using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator;

/// <summary>An event as stored (a snapshot): id, subject, transactionId, extended properties, and every property as JSON.</summary>
public sealed record StoredEvent(
    string Id,
    string? Subject,
    string? TransactionId,
    DateTimeOffset Created,
    DateTimeOffset LastModified,
    IReadOnlyDictionary<string, string> ExtendedProperties,
    JsonObject Properties);

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>The message resource: which properties a client may send, how they are checked, and how a stored message
/// is answered (default property set, $select, expansions).</summary>
internal static partial class MessageJson
{
    public const string Type = "microsoft.graph.message";

    /// <summary>Client-settable properties of microsoft.graph.message (v1.0).</summary>
    public static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        "subject", "body", "from", "sender", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "importance",
        "flag", "categories", "isRead", "internetMessageId", "internetMessageHeaders", "inferenceClassification",
        "isDeliveryReceiptRequested", "isReadReceiptRequested",
    };

    /// <summary>Properties a client may send but the service sets itself: Graph accepts and ignores them. That is why
    /// receivedDateTime, sentDateTime and isDraft can only be set through extended properties at creation.</summary>
    public static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "parentFolderId", "conversationId",
        "conversationIndex", "hasAttachments", "isDraft", "receivedDateTime", "sentDateTime", "bodyPreview", "webLink",
        "uniqueBody",
    };

    /// <summary>Navigation properties accepted in a create body.</summary>
    public static readonly HashSet<string> Navigation = new(StringComparer.Ordinal)
    {
        "singleValueExtendedProperties", "multiValueExtendedProperties", "attachments",
    };

    /// <summary>Properties returned without $select (internetMessageHeaders and uniqueBody only with $select).</summary>
    private static readonly string[] DefaultProperties =
    [
        "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "receivedDateTime", "sentDateTime",
        "hasAttachments", "internetMessageId", "subject", "bodyPreview", "importance", "parentFolderId", "conversationId",
        "conversationIndex", "isDeliveryReceiptRequested", "isReadReceiptRequested", "isRead", "isDraft",
        "inferenceClassification", "body", "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
    ];

    public static readonly HashSet<string> Selectable = new(DefaultProperties.Append("id").Append("internetMessageHeaders").Append("uniqueBody"), StringComparer.Ordinal);

    private static readonly string[] RecipientLists = ["toRecipients", "ccRecipients", "bccRecipients", "replyTo"];

    /// <summary>Checks the settable properties' shapes; throws Graph's 400.</summary>
    public static void Validate(JsonObject body)
    {
        var known = new HashSet<string>(Settable.Concat(ReadOnly).Concat(Navigation), StringComparer.Ordinal);
        GraphJson.RejectUnknown(body, known, Type);
        if (body["@odata.type"] is JsonValue t && !string.Equals(t.GetValue<string>(), "#microsoft.graph.message", StringComparison.Ordinal))
        {
            throw GraphErrorException.BodyRead($"A resource of type '{t.GetValue<string>()}' cannot be created here; expected '#microsoft.graph.message'.");
        }

        GraphJson.OptionalString(body, "subject", Type);
        GraphJson.OptionalString(body, "internetMessageId", Type);
        GraphJson.OptionalBool(body, "isRead", Type);
        GraphJson.OptionalBool(body, "isDeliveryReceiptRequested", Type);
        GraphJson.OptionalBool(body, "isReadReceiptRequested", Type);
        Enum(body, "importance", "low", "normal", "high");
        Enum(body, "inferenceClassification", "focused", "other");
        if (body["body"] is { } b)
        {
            if (b is not JsonObject bo)
            {
                throw GraphErrorException.BodyRead("body must be an itemBody object.");
            }

            GraphJson.RejectUnknown(bo, new HashSet<string>(StringComparer.Ordinal) { "contentType", "content" }, "microsoft.graph.itemBody");
            Enum(bo, "contentType", "text", "html");
            GraphJson.OptionalString(bo, "content", "microsoft.graph.itemBody");
        }

        if (body["flag"] is { } f)
        {
            if (f is not JsonObject fo)
            {
                throw GraphErrorException.BodyRead("flag must be a followupFlag object.");
            }

            Enum(fo, "flagStatus", "notFlagged", "complete", "flagged");
        }

        if (body["categories"] is { } cats && (cats is not JsonArray ca || ca.Any(x => x is not JsonValue v || !v.TryGetValue<string>(out _))))
        {
            throw GraphErrorException.BodyRead("categories must be an array of strings.");
        }

        foreach (var single in new[] { "from", "sender" })
        {
            if (body[single] is { } r)
            {
                Recipient(r, single);
            }
        }

        foreach (var list in RecipientLists)
        {
            if (body[list] is { } l)
            {
                if (l is not JsonArray la)
                {
                    throw GraphErrorException.BodyRead($"{list} must be an array of recipients.");
                }

                foreach (var r in la)
                {
                    Recipient(r, list);
                }
            }
        }

        if (body["internetMessageHeaders"] is { } h)
        {
            if (h is not JsonArray ha)
            {
                throw GraphErrorException.BodyRead("internetMessageHeaders must be an array of {name, value}.");
            }

            foreach (var header in ha)
            {
                var name = header?["name"]?.GetValue<string>();
                if (name is null || !name.StartsWith("x-", StringComparison.OrdinalIgnoreCase))
                {
                    // Graph only lets a client add custom headers, whose names must start with x-.
                    throw new GraphErrorException(400, "InvalidInternetMessageHeader", $"The internet message header name '{name}' should start with 'x-' or 'X-'.");
                }
            }
        }
    }

    private static void Recipient(JsonNode? node, string property)
    {
        if (node is not JsonObject o || o["emailAddress"] is not JsonObject address)
        {
            throw GraphErrorException.BodyRead($"Each of {property} must be a recipient with an emailAddress object.");
        }

        GraphJson.RejectUnknown(o, new HashSet<string>(StringComparer.Ordinal) { "emailAddress" }, "microsoft.graph.recipient");
        GraphJson.RejectUnknown(address, new HashSet<string>(StringComparer.Ordinal) { "name", "address" }, "microsoft.graph.emailAddress");
        GraphJson.OptionalString(address, "name", "microsoft.graph.emailAddress");
        GraphJson.OptionalString(address, "address", "microsoft.graph.emailAddress");
    }

    private static void Enum(JsonObject o, string name, params string[] allowed)
    {
        var value = GraphJson.OptionalString(o, name, Type);
        if (value is not null && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            throw GraphErrorException.BodyRead($"The value '{value}' is not valid for '{name}' (allowed: {string.Join(", ", allowed)}).");
        }
    }

    /// <summary>Parses PR_TRANSPORT_MESSAGE_HEADERS text into name/value pairs (folded lines unfolded).</summary>
    public static List<KeyValuePair<string, string>> ParseHeaders(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (Match m in HeaderField().Matches(text.Replace("\r\n", "\n", StringComparison.Ordinal)))
        {
            var value = FoldedBreak().Replace(m.Groups["value"].Value, " ").Trim();
            result.Add(new(m.Groups["name"].Value, value));
        }

        return result;
    }

    /// <summary>A stored message as Graph answers it.</summary>
    public static JsonObject Render(MessageEntity m, HashSet<string>? select, IReadOnlyList<ExtendedPropertyId>? expandExtended, bool expandAttachments)
    {
        var all = new JsonObject
        {
            ["@odata.etag"] = $"W/\"{m.ChangeKey}\"",
            ["id"] = m.Id,
        };
        var names = select is null ? DefaultProperties : DefaultProperties.Concat(["internetMessageHeaders", "uniqueBody"]).Where(select.Contains).ToArray();
        foreach (var name in names)
        {
            all[name] = Value(m, name);
        }

        if (expandExtended is not null)
        {
            all["singleValueExtendedProperties"] = ItemSupport.RenderExtended(m.Extended, expandExtended);
        }

        if (expandAttachments)
        {
            all["attachments"] = new JsonArray(m.Attachments.Select(a => (JsonNode)AttachmentHandlers.Render(a, null)).ToArray());
        }

        return all;
    }

    private static JsonNode? Value(MessageEntity m, string name)
    {
        var p = m.Properties;
        return name switch
        {
            "createdDateTime" => GraphJson.Iso(m.Created),
            "lastModifiedDateTime" => GraphJson.Iso(m.LastModified),
            "changeKey" => m.ChangeKey,
            "receivedDateTime" => GraphJson.Iso(m.Received),
            "sentDateTime" => GraphJson.Iso(m.Sent),
            "hasAttachments" => m.Attachments.Any(a => !a.IsInline),
            "parentFolderId" => m.FolderId,
            "isDraft" => m.IsDraft,
            "isRead" => m.IsRead,
            "bodyPreview" => Preview(p["body"]?["content"]?.GetValue<string>(), p["body"]?["contentType"]?.GetValue<string>()),
            "body" or "uniqueBody" => p["body"]?.DeepClone() ?? new JsonObject { ["contentType"] = "text", ["content"] = "" },
            "categories" or "toRecipients" or "ccRecipients" or "bccRecipients" or "replyTo" => p[name]?.DeepClone() ?? new JsonArray(),
            "importance" => p[name]?.DeepClone() ?? "normal",
            "inferenceClassification" => p[name]?.DeepClone() ?? "focused",
            "flag" => p[name]?.DeepClone() ?? new JsonObject { ["flagStatus"] = "notFlagged" },
            "isDeliveryReceiptRequested" or "isReadReceiptRequested" => p[name]?.DeepClone() ?? false,
            "internetMessageHeaders" => new JsonArray(m.Headers.Select(h => (JsonNode)new JsonObject { ["name"] = h.Key, ["value"] = h.Value }).ToArray()),
            _ => p[name]?.DeepClone(),
        };
    }

    private static string Preview(string? content, string? type)
    {
        if (content is null)
        {
            return "";
        }

        var text = string.Equals(type, "html", StringComparison.OrdinalIgnoreCase) ? Tags().Replace(content, " ") : content;
        text = Spaces().Replace(text, " ").Trim();
        return text.Length <= 255 ? text : text[..255];
    }

    [GeneratedRegex(@"^(?<name>[!-9;-~]+):(?<value>[^\n]*(?:\n[ \t][^\n]*)*)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderField();

    [GeneratedRegex(@"\n[ \t]+", RegexOptions.CultureInvariant)]
    private static partial Regex FoldedBreak();

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}

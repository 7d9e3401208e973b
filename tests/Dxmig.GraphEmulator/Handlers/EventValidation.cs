using System.Globalization;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// What Graph documents for the <c>event</c> resource, enforced on create and update: known properties only; start and
/// end as dateTimeTimeZone with a time zone Windows or IANA knows (else 400 TimeZoneNotSupportedException, Graph's code);
/// end not before start; isAllDay only with start and end at midnight in the same time zone ("must be set to midnight");
/// sensitivity one of normal/personal/private/confidential; attendees at most 500, each with an address and a type of
/// required/optional/resource; a patternedRecurrence with a known pattern type, the properties its type requires
/// (weekly: daysOfWeek; absoluteMonthly: dayOfMonth; relativeMonthly: daysOfWeek; absoluteYearly: dayOfMonth and month;
/// relativeYearly: daysOfWeek and month), none that it does not use ("any property that you include that doesn't have a
/// supported value would return an error"), and a range (endDate/noEnd/numbered) whose startDate is the event's start
/// date. Where the service's error code is not documented the code picks ErrorPropertyValidationFailure.
/// </summary>
internal static class EventValidation
{
    public const string Type = "microsoft.graph.event";

    public static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        "subject", "body", "start", "end", "isAllDay", "sensitivity", "location", "locations", "attendees", "recurrence",
        "showAs", "importance", "isReminderOn", "reminderMinutesBeforeStart", "categories", "isOnlineMeeting",
        "responseRequested", "allowNewTimeProposals", "hideAttendees", "originalStartTimeZone", "originalEndTimeZone",
    };

    public static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "iCalUId", "organizer", "type", "seriesMasterId",
        "webLink", "isOrganizer", "isCancelled", "bodyPreview", "hasAttachments", "responseStatus", "onlineMeeting",
    };

    private static readonly HashSet<string> Sensitivities = new(StringComparer.Ordinal) { "normal", "personal", "private", "confidential" };
    private static readonly HashSet<string> AttendeeTypes = new(StringComparer.Ordinal) { "required", "optional", "resource" };
    private static readonly HashSet<string> Days = new(StringComparer.Ordinal) { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday" };
    private static readonly HashSet<string> Indexes = new(StringComparer.Ordinal) { "first", "second", "third", "fourth", "last" };
    private static readonly HashSet<string> PatternKeys = new(StringComparer.Ordinal) { "type", "interval", "daysOfWeek", "dayOfMonth", "month", "index", "firstDayOfWeek" };
    private static readonly HashSet<string> RangeKeys = new(StringComparer.Ordinal) { "type", "startDate", "endDate", "numberOfOccurrences", "recurrenceTimeZone" };

    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["daily"] = [],
        ["weekly"] = ["daysOfWeek"],
        ["absoluteMonthly"] = ["dayOfMonth"],
        ["relativeMonthly"] = ["daysOfWeek"],
        ["absoluteYearly"] = ["dayOfMonth", "month"],
        ["relativeYearly"] = ["daysOfWeek", "month"],
    };

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["daily"] = ["type", "interval"],
        ["weekly"] = ["type", "interval", "daysOfWeek", "firstDayOfWeek"],
        ["absoluteMonthly"] = ["type", "interval", "dayOfMonth"],
        ["relativeMonthly"] = ["type", "interval", "daysOfWeek", "index"],
        ["absoluteYearly"] = ["type", "interval", "dayOfMonth", "month"],
        ["relativeYearly"] = ["type", "interval", "daysOfWeek", "index", "month"],
    };

    /// <summary>Checks a create body (<paramref name="existing"/> null) or an update merged over the stored properties.</summary>
    public static void Validate(JsonObject body, JsonObject? existing)
    {
        GraphJson.RejectUnknown(body, new HashSet<string>(Settable.Concat(ReadOnly).Append("transactionId").Append("singleValueExtendedProperties").Append("multiValueExtendedProperties"), StringComparer.Ordinal), Type);
        JsonNode? Get(string name) => body.TryGetPropertyValue(name, out var node) ? node : existing?[name];

        if (Get("sensitivity") is { } sensitivity && (sensitivity.GetValueKind() != System.Text.Json.JsonValueKind.String || !Sensitivities.Contains(sensitivity.GetValue<string>())))
        {
            throw GraphErrorException.BodyRead($"Cannot convert the literal '{sensitivity.ToJsonString()}' to the expected type 'microsoft.graph.sensitivity'.");
        }

        if (body["body"] is JsonObject itemBody && GraphJson.OptionalString(itemBody, "contentType", "microsoft.graph.itemBody") is { } contentType && contentType is not ("text" or "html"))
        {
            throw GraphErrorException.BodyRead($"Cannot convert the literal '{contentType}' to the expected type 'microsoft.graph.bodyType'.");
        }

        var start = Time(Get("start"), "start");
        var end = Time(Get("end"), "end");
        if (start is null || end is null)
        {
            throw Invalid("An event needs both a start and an end (dateTimeTimeZone).");
        }

        if (end.Value.Instant < start.Value.Instant)
        {
            throw Invalid("The end of the event is before its start.");
        }

        var allDay = Get("isAllDay") is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        if (allDay && (start.Value.Local.TimeOfDay != TimeSpan.Zero || end.Value.Local.TimeOfDay != TimeSpan.Zero || start.Value.Zone != end.Value.Zone || end.Value.Local == start.Value.Local))
        {
            throw Invalid("If an event is all-day, its start and end must be set to midnight, in the same time zone, at least one day apart.");
        }

        if (body["attendees"] is { } attendees)
        {
            Attendees(attendees);
        }

        if (Get("recurrence") is JsonObject recurrence)
        {
            Recurrence(recurrence, DateOnly.FromDateTime(start.Value.Local));
        }
        else if (Get("recurrence") is { } other)
        {
            throw GraphErrorException.BodyRead($"Cannot convert '{other.ToJsonString()}' to microsoft.graph.patternedRecurrence.");
        }

        if (body.TryGetPropertyValue("transactionId", out var tx) && tx is not null && (tx.GetValueKind() != System.Text.Json.JsonValueKind.String || tx.GetValue<string>().Length == 0))
        {
            throw GraphErrorException.BodyRead("transactionId must be a non-empty string.");
        }
    }

    private static (DateTime Local, DateTime Instant, string Zone)? Time(JsonNode? node, string name)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject o)
        {
            throw GraphErrorException.BodyRead($"Cannot convert the value of property '{name}' to microsoft.graph.dateTimeTimeZone.");
        }

        GraphJson.RejectUnknown(o, new HashSet<string>(StringComparer.Ordinal) { "dateTime", "timeZone" }, "microsoft.graph.dateTimeTimeZone");
        var text = GraphJson.OptionalString(o, "dateTime", "microsoft.graph.dateTimeTimeZone");
        var zoneName = GraphJson.OptionalString(o, "timeZone", "microsoft.graph.dateTimeTimeZone") ?? string.Empty;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out var zone))
        {
            throw new GraphErrorException(400, "TimeZoneNotSupportedException", $"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zoneName}'.");
        }

        if (text is null || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) || text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal))
        {
            throw GraphErrorException.BodyRead($"'{name}.dateTime' must be a date and time without offset (yyyy-MM-ddTHH:mm:ss), got '{text}'.");
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return (local, TimeZoneInfo.ConvertTimeToUtc(local, zone), zone.Id == "Asia/Tokyo" ? "Tokyo Standard Time" : zone.Id);
    }

    private static void Attendees(JsonNode node)
    {
        if (node is not JsonArray array)
        {
            throw GraphErrorException.BodyRead("attendees must be an array.");
        }

        if (array.Count > 500)
        {
            throw Invalid("An event can have at most 500 attendees.");
        }

        foreach (var a in array)
        {
            if (a is not JsonObject o || o["emailAddress"] is not JsonObject address || address["address"] is not JsonValue)
            {
                throw GraphErrorException.BodyRead("Each attendee needs an emailAddress with an address.");
            }

            if (GraphJson.OptionalString(o, "type", "microsoft.graph.attendee") is { } type && !AttendeeTypes.Contains(type))
            {
                throw GraphErrorException.BodyRead($"Cannot convert the literal '{type}' to the expected type 'microsoft.graph.attendeeType'.");
            }
        }
    }

    private static void Recurrence(JsonObject recurrence, DateOnly eventStart)
    {
        GraphJson.RejectUnknown(recurrence, new HashSet<string>(StringComparer.Ordinal) { "pattern", "range" }, "microsoft.graph.patternedRecurrence");
        if (recurrence["pattern"] is not JsonObject pattern || recurrence["range"] is not JsonObject range)
        {
            throw Invalid("A recurrence needs a pattern and a range.");
        }

        GraphJson.RejectUnknown(pattern, PatternKeys, "microsoft.graph.recurrencePattern");
        var type = GraphJson.OptionalString(pattern, "type", "microsoft.graph.recurrencePattern") ?? string.Empty;
        if (!Required.TryGetValue(type, out var required))
        {
            throw GraphErrorException.BodyRead($"Cannot convert the literal '{type}' to the expected type 'microsoft.graph.recurrencePatternType'.");
        }

        if (pattern["interval"] is not JsonValue iv || !iv.TryGetValue<int>(out var interval) || interval < 1 || interval > 99)
        {
            throw Invalid("recurrence.pattern.interval must be a number from 1 to 99.");
        }

        foreach (var name in required.Where(r => pattern[r] is null))
        {
            throw Invalid($"A {type} recurrence pattern requires '{name}'.");
        }

        foreach (var (name, value) in pattern.Where(p => !Allowed[type].Contains(p.Key) && p.Value is not null && !IsDefault(p.Value)))
        {
            throw Invalid($"'{name}' is not supported in a {type} recurrence pattern.");
        }

        if (pattern["daysOfWeek"] is { } days && (days is not JsonArray list || list.Count == 0 || list.Any(d => d is not JsonValue dv || !dv.TryGetValue<string>(out var s) || !Days.Contains(s))))
        {
            throw GraphErrorException.BodyRead("daysOfWeek must be a non-empty array of sunday … saturday.");
        }

        if (pattern["dayOfMonth"] is JsonValue dm && (!dm.TryGetValue<int>(out var day) || day is < 1 or > 31) && Allowed[type].Contains("dayOfMonth"))
        {
            throw Invalid("dayOfMonth must be from 1 to 31.");
        }

        if (pattern["month"] is JsonValue mv && (!mv.TryGetValue<int>(out var month) || month is < 1 or > 12) && Allowed[type].Contains("month"))
        {
            throw Invalid("month must be from 1 to 12.");
        }

        if (GraphJson.OptionalString(pattern, "index", "microsoft.graph.recurrencePattern") is { } index && !Indexes.Contains(index))
        {
            throw GraphErrorException.BodyRead($"Cannot convert the literal '{index}' to the expected type 'microsoft.graph.weekIndex'.");
        }

        GraphJson.RejectUnknown(range, RangeKeys, "microsoft.graph.recurrenceRange");
        var rangeType = GraphJson.OptionalString(range, "type", "microsoft.graph.recurrenceRange");
        if (rangeType is not ("endDate" or "noEnd" or "numbered"))
        {
            throw GraphErrorException.BodyRead($"Cannot convert the literal '{rangeType}' to the expected type 'microsoft.graph.recurrenceRangeType'.");
        }

        if (!DateOnly.TryParseExact(GraphJson.OptionalString(range, "startDate", "microsoft.graph.recurrenceRange"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var startDate))
        {
            throw Invalid("recurrence.range.startDate is required (yyyy-MM-dd).");
        }

        if (startDate != eventStart)
        {
            throw Invalid($"recurrence.range.startDate ({startDate:yyyy-MM-dd}) must be the date of the event's start ({eventStart:yyyy-MM-dd}).");
        }

        if (rangeType == "endDate" && (!DateOnly.TryParseExact(GraphJson.OptionalString(range, "endDate", "microsoft.graph.recurrenceRange"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var endDate) || endDate < startDate))
        {
            throw Invalid("An endDate recurrence range needs an endDate (yyyy-MM-dd) not before its startDate.");
        }

        if (rangeType == "numbered" && (range["numberOfOccurrences"] is not JsonValue n || !n.TryGetValue<int>(out var count) || count < 1))
        {
            throw Invalid("A numbered recurrence range needs numberOfOccurrences of at least 1.");
        }
    }

    private static bool IsDefault(JsonNode value) =>
        value is JsonValue v && ((v.TryGetValue<int>(out var i) && i == 0) || (v.TryGetValue<string>(out var s) && s is "" or "first" or "sunday"))
        || value is JsonArray { Count: 0 };

    private static GraphErrorException Invalid(string message) => new(400, "ErrorPropertyValidationFailure", message);
}

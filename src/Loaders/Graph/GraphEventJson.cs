using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dxmig.Contracts.Records;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// The Graph <c>event</c> JSON of a calendar event: subject, text body, start and end as dateTimeTimeZone in
/// "Tokyo Standard Time", isAllDay (midnight to midnight), sensitivity (private stays private), location, the
/// patternedRecurrence, no reminder (a migrated event must not ring), and dxmig's source key and content hash as
/// single-value extended properties. No attendees: adding them would send meeting requests to everyone during the
/// migration; each participant's calendar gets its own copy instead. A create also carries a <c>transactionId</c>
/// derived from the source key and the calendar, so Graph takes a repeated create as the same event.
/// </summary>
public static class GraphEventJson
{
    private static readonly string[] DayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    /// <summary>The transactionId of a source item's copy on one calendar: stable across runs and versions.</summary>
    public static string TransactionId(string stableKey, string mailbox)
    {
        ArgumentNullException.ThrowIfNull(stableKey);
        ArgumentNullException.ThrowIfNull(mailbox);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(stableKey + "\n" + mailbox.ToLowerInvariant()));
        return "dxmig-" + Convert.ToHexStringLower(hash)[..40];
    }

    /// <summary>The body of a create (<paramref name="transactionId"/> set) or of an update (null: Graph refuses a changed transactionId).</summary>
    public static byte[] Write(CalendarEvent e, string stableKey, string contentHash, string? transactionId)
    {
        ArgumentNullException.ThrowIfNull(e);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, GraphMessageBuilder.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("subject", e.Subject);
            w.WriteStartObject("body");
            w.WriteString("contentType", "text");
            w.WriteString("content", e.Body);
            w.WriteEndObject();
            Time(w, "start", e.Start);
            Time(w, "end", e.End);
            w.WriteBoolean("isAllDay", e.AllDay);
            w.WriteString("sensitivity", e.Private ? "private" : "normal");
            w.WriteBoolean("isReminderOn", false);
            w.WriteStartObject("location");
            w.WriteString("displayName", e.Location ?? string.Empty);
            w.WriteEndObject();
            if (e.Recurrence is { } r)
            {
                Recurrence(w, r);
            }
            else
            {
                w.WriteNull("recurrence");
            }

            if (transactionId is not null)
            {
                w.WriteString("transactionId", transactionId);
            }

            w.WriteStartArray("singleValueExtendedProperties");
            GraphMessageBuilder.Property(w, GraphMessageBuilder.SourceKeyProperty, stableKey);
            GraphMessageBuilder.Property(w, GraphMessageBuilder.Sha256Property, contentHash);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Time(Utf8JsonWriter w, string name, DateTime value)
    {
        w.WriteStartObject(name);
        w.WriteString("dateTime", value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        w.WriteString("timeZone", CalendarEvent.TimeZone);
        w.WriteEndObject();
    }

    private static void Recurrence(Utf8JsonWriter w, EventRecurrence r)
    {
        w.WriteStartObject("recurrence");
        w.WriteStartObject("pattern");
        w.WriteString("type", char.ToLowerInvariant(r.Kind.ToString()[0]) + r.Kind.ToString()[1..]);
        w.WriteNumber("interval", r.Interval);
        switch (r.Kind)
        {
            case RecurrenceKind.Weekly:
                Days(w, r);
                w.WriteString("firstDayOfWeek", "sunday");
                break;
            case RecurrenceKind.AbsoluteMonthly:
                w.WriteNumber("dayOfMonth", r.DayOfMonth);
                break;
            case RecurrenceKind.RelativeMonthly:
                Days(w, r);
                w.WriteString("index", r.Index);
                break;
            case RecurrenceKind.AbsoluteYearly:
                w.WriteNumber("dayOfMonth", r.DayOfMonth);
                w.WriteNumber("month", r.Month);
                break;
            case RecurrenceKind.RelativeYearly:
                Days(w, r);
                w.WriteString("index", r.Index);
                w.WriteNumber("month", r.Month);
                break;
        }

        w.WriteEndObject();
        w.WriteStartObject("range");
        w.WriteString("type", r.RangeType);
        w.WriteString("startDate", r.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (r.EndDate is { } end)
        {
            w.WriteString("endDate", end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (r.Occurrences > 0)
        {
            w.WriteNumber("numberOfOccurrences", r.Occurrences);
        }

        w.WriteString("recurrenceTimeZone", CalendarEvent.TimeZone);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Days(Utf8JsonWriter w, EventRecurrence r)
    {
        w.WriteStartArray("daysOfWeek");
        foreach (var d in r.DaysOfWeek)
        {
            w.WriteStringValue(DayNames[(int)d]);
        }

        w.WriteEndArray();
    }
}

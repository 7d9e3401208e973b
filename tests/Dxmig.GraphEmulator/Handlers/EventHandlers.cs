using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// Events of a user's (or room mailbox's) default calendar: <c>/users/{id}/events</c> and
/// <c>/users/{id}/calendar/events</c>: create, list with $filter (extended property, subject), get, update, delete;
/// validated as <see cref="EventValidation"/> describes. transactionId: Graph documents it as the client's way "to
/// avoid redundant POST operations in case of client retries to create the same event", settable only on create. The
/// emulator answers a create that repeats a live event's transactionId with that event (201, nothing new made) when the
/// body is the one it was created with, and with 400 ErrorDuplicateTransactionId ("has already been used to create a
/// different event", the error the service is reported to give) when the body differs; an update that changes the
/// transactionId is refused. What the service does with the transactionId of a deleted event is not documented: the
/// emulator forgets it, so the event can be made again.
/// </summary>
internal static class EventHandlers
{
    private static readonly HashSet<string> Filterable = new(StringComparer.Ordinal) { "subject", "transactionId" };

    private static readonly HashSet<string> Selectable = new(EventValidation.Settable.Concat(EventValidation.ReadOnly).Append("transactionId"), StringComparer.Ordinal);

    public static IEnumerable<Route> Routes()
    {
        foreach (var events in new[] { "users/{user}/events", "users/{user}/calendar/events" })
        {
            yield return new Route("POST", events, "createEvent", Create, outlook: true, upload: true);
            yield return new Route("GET", events, "listEvents", List);
            yield return new Route("GET", events + "/{event}", "getEvent", Get);
            yield return new Route("PATCH", events + "/{event}", "updateEvent", Update);
            yield return new Route("DELETE", events + "/{event}", "deleteEvent", Delete);
        }
    }

    private static EventEntity Find(RouteContext c)
    {
        var id = c.Value("event");
        if (c.RequireMailbox.Calendar.Events.TryGetValue(id, out var e))
        {
            return e;
        }

        ItemSupport.CheckId(id);
        throw ItemSupport.NotFound();
    }

    private static GraphResponse Create(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        EventValidation.Validate(body, null);
        var extended = ItemSupport.ReadExtended(body);
        var transactionId = GraphJson.OptionalString(body, "transactionId", EventValidation.Type);
        var canonical = body.ToJsonString();
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var calendar = m.Calendar;
            if (transactionId is not null && calendar.TransactionIds.TryGetValue(transactionId, out var existingId))
            {
                var existing = calendar.Events[existingId];
                return existing.CreateBody == canonical
                    ? GraphResponse.Created(Render(existing, null, null))
                    : throw new GraphErrorException(400, "ErrorDuplicateTransactionId",
                        "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.");
            }

            var e = new EventEntity(MailboxEntity.NewId("AAMkA"), m.NextSequence())
            {
                FolderId = calendar.Id,
                Created = c.Now,
                LastModified = c.Now,
                ChangeKey = MailboxEntity.NewChangeKey(),
                TransactionId = transactionId,
                CreateBody = canonical,
                Properties = new JsonObject(body.Where(kv => EventValidation.Settable.Contains(kv.Key)).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))),
            };
            foreach (var (id, value) in extended)
            {
                e.Extended[id.Canonical] = (id, value);
            }

            calendar.Events.Add(e.Id, e);
            if (transactionId is not null)
            {
                calendar.TransactionIds[transactionId] = e.Id;
            }

            return GraphResponse.Created(Render(e, null, null));
        }
    }

    private static GraphResponse List(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, EventValidation.Type);
        var (expand, _) = ODataQuery.Expand(c.Request, attachmentsAllowed: false);
        var terms = ODataQuery.Filter(c.Request, Filterable);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var items = m.Calendar.Events.Values
                .Where(x => ItemSupport.Matches(terms, WithTransactionId(x), x.Extended))
                .OrderBy(x => x.Sequence)
                .ToList();
            return GraphResponse.Ok(ODataQuery.Page(c, items, 10, 1000, x => Render(x, select, expand)));
        }
    }

    private static GraphResponse Get(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var select = ODataQuery.Select(c.Request, Selectable, EventValidation.Type);
        var (expand, _) = ODataQuery.Expand(c.Request, attachmentsAllowed: false);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            return GraphResponse.Ok(Render(Find(c), select, expand));
        }
    }

    private static GraphResponse Update(RouteContext c)
    {
        var body = GraphJson.ReadObject(c.Request);
        var extended = ItemSupport.ReadExtended(body);
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var e = Find(c);
            EventValidation.Validate(body, e.Properties);
            if (body.TryGetPropertyValue("transactionId", out var tx) && tx?.GetValue<string>() != e.TransactionId)
            {
                throw new GraphErrorException(400, "ErrorInvalidPropertyUpdateSentByClient", "The transactionId of an event cannot be changed after it was created.");
            }

            foreach (var (name, node) in body.Where(kv => EventValidation.Settable.Contains(kv.Key)))
            {
                e.Properties[name] = node?.DeepClone();
            }

            foreach (var (id, value) in extended)
            {
                e.Extended[id.Canonical] = (id, value);
            }

            e.Touch(c.Now);
            return GraphResponse.Ok(Render(e, null, null));
        }
    }

    private static GraphResponse Delete(RouteContext c)
    {
        var m = c.RequireMailbox;
        lock (m.Gate)
        {
            var e = Find(c);
            m.Calendar.Events.Remove(e.Id);
            if (e.TransactionId is not null)
            {
                m.Calendar.TransactionIds.Remove(e.TransactionId);
            }

            return GraphResponse.NoContent();
        }
    }

    private static JsonObject WithTransactionId(EventEntity e)
    {
        var o = new JsonObject { ["subject"] = e.Properties["subject"]?.DeepClone() };
        if (e.TransactionId is not null)
        {
            o["transactionId"] = e.TransactionId;
        }

        return o;
    }

    private static JsonObject Render(EventEntity e, HashSet<string>? select, IReadOnlyList<ExtendedPropertyId>? expand)
    {
        var all = new JsonObject
        {
            ["@odata.etag"] = $"W/\"{e.ChangeKey}\"",
            ["id"] = e.Id,
            ["createdDateTime"] = GraphJson.Iso(e.Created),
            ["lastModifiedDateTime"] = GraphJson.Iso(e.LastModified),
            ["changeKey"] = e.ChangeKey,
            ["iCalUId"] = "040000008200E00074C5B7101A82E008" + e.Id.GetHashCode(StringComparison.Ordinal).ToString("X8", System.Globalization.CultureInfo.InvariantCulture),
            ["isAllDay"] = false,
            ["sensitivity"] = "normal",
            ["type"] = e.Properties["recurrence"] is JsonObject ? "seriesMaster" : "singleInstance",
            ["recurrence"] = null,
            ["attendees"] = new JsonArray(),
            ["categories"] = new JsonArray(),
        };
        foreach (var (name, node) in e.Properties)
        {
            all[name] = node?.DeepClone();
        }

        if (e.TransactionId is not null)
        {
            all["transactionId"] = e.TransactionId;
        }

        var result = MailFolderHandlers.Pick(all, select);
        if (expand is not null)
        {
            result["singleValueExtendedProperties"] = ItemSupport.RenderExtended(e.Extended, expand);
        }

        return result;
    }
}

using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator;

/// <summary>Calendar read-back and room mailboxes.</summary>
public sealed partial class EmulatorStore
{
    /// <summary>Adds a room mailbox (listed by <c>/places/microsoft.graph.room</c>, its calendar reached as <c>/users/{address}/events</c>).</summary>
    public StoredUser AddRoom(string address, string displayName)
    {
        var m = AddUser(address);
        lock (m.Gate)
        {
            m.Calendar.RoomName = displayName;
        }

        return m.User;
    }

    /// <summary>The events of a mailbox's calendar, oldest first (snapshots).</summary>
    public IReadOnlyList<StoredEvent> Events(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return [.. m.Calendar.Events.Values.OrderBy(e => e.Sequence).Select(e => new StoredEvent(
                e.Id,
                e.Properties["subject"]?.GetValue<string>(),
                e.TransactionId,
                e.Created,
                e.LastModified,
                e.Extended.Values.ToDictionary(x => x.Id.Canonical, x => x.Value, StringComparer.Ordinal),
                (JsonObject)e.Properties.DeepClone()))];
        }
    }

    /// <summary>Removes an event as a person would in Outlook (test control); false when it is not there.</summary>
    public bool DeleteEvent(string upn, string id)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.Calendar.Events.Remove(id);
        }
    }

    internal List<(MailboxEntity Mailbox, string Name)> Rooms()
    {
        var rooms = new List<(MailboxEntity, string)>();
        foreach (var m in Mailboxes)
        {
            lock (m.Gate)
            {
                if (m.Calendar.RoomName is { } name)
                {
                    rooms.Add((m, name));
                }
            }
        }

        return rooms;
    }
}

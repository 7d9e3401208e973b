using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>
/// <c>GET /places/microsoft.graph.room</c>: the tenant's room mailboxes (id, displayName, emailAddress). A room's
/// calendar is reached as a user's: <c>/users/{roomAddress}/events</c>.
/// </summary>
internal static class PlaceHandlers
{
    public static IEnumerable<Route> Routes()
    {
        yield return new Route("GET", "places/microsoft.graph.room", "listRooms", List, outlook: false);
    }

    private static GraphResponse List(RouteContext c)
    {
        ODataQuery.RejectUnserved(c.Request);
        var rooms = c.Emulator.Store.Rooms().OrderBy(r => r.Mailbox.User.UserPrincipalName, StringComparer.Ordinal).ToList();
        return GraphResponse.Ok(ODataQuery.Page(c, rooms, 100, 100, r => new JsonObject
        {
            ["id"] = r.Mailbox.User.Id,
            ["displayName"] = r.Name,
            ["emailAddress"] = r.Mailbox.User.UserPrincipalName,
            ["bookingType"] = "standard",
            ["isWheelChairAccessible"] = false,
        }));
    }
}

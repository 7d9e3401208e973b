using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Handlers;

/// <summary>Contacts and contact folders.</summary>
internal static class ContactHandlers
{
    public static IEnumerable<Route> Routes() => [];
}

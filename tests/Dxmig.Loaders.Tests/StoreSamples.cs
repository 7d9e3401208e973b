using Dxmig.Loaders.PlatformStore;

namespace Dxmig.Loaders.Tests;

/// <summary>Rows of the platform store's mobile tables, as the store tests write them.</summary>
internal static class StoreSamples
{
    public static DeviceEntity Device(string asset, string state, string? lentTo = null, string? lentUntil = null, string? iccid = null) => new()
    {
        AssetNumber = asset,
        ContentHash = asset,
        SourceLocation = $"devices.csv:{asset}",
        State = state,
        LentTo = lentTo,
        LentUntil = lentUntil,
        Iccid = iccid,
    };

    public static TeleworkPermissionEntity Permission(string employee, string system) => new()
    {
        EmployeeId = employee, SystemKey = system, ContentHash = employee + system, SourceLocation = $"permissions.csv:{employee}",
    };
}

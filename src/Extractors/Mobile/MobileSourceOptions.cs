using Dxmig.Extractors.Csv;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// Where the device inventory and the telework permission lists are, how they are encoded, which column is which;
/// <paramref name="DeviceRemovals"/>: the threshold for devices gone from the inventory (null: never retired for that).
/// </summary>
public sealed record MobileSourceOptions(
    string DeviceFile, IReadOnlyList<string> PermissionFiles, CsvEncodingChoice Encoding, MobileFieldMap DeviceMap, MobileFieldMap PermissionMap,
    DeletionSafety? DeviceRemovals = null);

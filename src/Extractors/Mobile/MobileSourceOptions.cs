using Dxmig.Extractors.Csv;

namespace Dxmig.Extractors.Mobile;

/// <summary>Where the device inventory and the telework permission lists are, how they are encoded, which column is which.</summary>
public sealed record MobileSourceOptions(
    string DeviceFile, IReadOnlyList<string> PermissionFiles, CsvEncodingChoice Encoding, MobileFieldMap DeviceMap, MobileFieldMap PermissionMap);

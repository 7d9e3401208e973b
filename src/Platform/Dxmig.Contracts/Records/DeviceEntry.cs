namespace Dxmig.Contracts.Records;

/// <summary>A row of the device inventory (端末台帳); columns per mappings/mobile-device-fields.yaml.</summary>
public sealed record DeviceEntry : MobileEntry
{
    public string AssetNumber { get; init; } = string.Empty;

    public string SerialNumber { get; init; } = string.Empty;

    public string Model { get; init; } = string.Empty;

    public string Os { get; init; } = string.Empty;

    public string SimIccid { get; init; } = string.Empty;

    public string PhoneNumber { get; init; } = string.Empty;

    public string Carrier { get; init; } = string.Empty;

    public string State { get; init; } = string.Empty;

    public string LentTo { get; init; } = string.Empty;

    public string DepartmentCode { get; init; } = string.Empty;

    public string LendingPeriod { get; init; } = string.Empty;

    public override IEnumerable<string> Fields() =>
        [AssetNumber, SerialNumber, Model, Os, SimIccid, PhoneNumber, Carrier, State, LentTo, DepartmentCode, LendingPeriod];
}

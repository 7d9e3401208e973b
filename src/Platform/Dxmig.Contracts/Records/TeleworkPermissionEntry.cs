namespace Dxmig.Contracts.Records;

/// <summary>A row of a telework permission list (テレワーク許可一覧); columns per mappings/telework-permission-fields.yaml.</summary>
public sealed record TeleworkPermissionEntry : MobileEntry
{
    public string EmployeeId { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string DepartmentCode { get; init; } = string.Empty;

    /// <summary>Through which system (モバイルワーク, 在宅勤務…), as the list writes it.</summary>
    public string System { get; init; } = string.Empty;

    public string ValidFrom { get; init; } = string.Empty;

    public string ValidUntil { get; init; } = string.Empty;

    public override IEnumerable<string> Fields() => [EmployeeId, Name, DepartmentCode, System, ValidFrom, ValidUntil];
}

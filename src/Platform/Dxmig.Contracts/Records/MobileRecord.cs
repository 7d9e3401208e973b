namespace Dxmig.Contracts.Records;

/// <summary>A mobile-work row ready for the platform store: a <see cref="DeviceRecord"/> or a <see cref="TeleworkPermissionRecord"/>.</summary>
public abstract record MobileRecord
{
    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }
}

/// <summary>
/// A device, normalised: asset number (the key), serial number upper-case without spaces, ICCID digits only, phone in
/// E.164, state as one of <c>lent</c>, <c>stock</c>, <c>repair</c>, <c>retired</c>, the person it is lent to (employee
/// id) and the lending period.
/// </summary>
public sealed record DeviceRecord : MobileRecord
{
    public required string AssetNumber { get; init; }

    public required DeviceEntry Original { get; init; }

    public string? SerialNumber { get; init; }

    public string? Iccid { get; init; }

    public string? PhoneE164 { get; init; }

    public required string State { get; init; }

    public string? LentTo { get; init; }

    public string? DepartmentCode { get; init; }

    public DateOnly? LentFrom { get; init; }

    public DateOnly? LentUntil { get; init; }
}

/// <summary>A telework permission, normalised: employee id, system key (from mappings/telework-groups.yaml), period.</summary>
public sealed record TeleworkPermissionRecord : MobileRecord
{
    public required string EmployeeId { get; init; }

    public required string SystemKey { get; init; }

    public required TeleworkPermissionEntry Original { get; init; }

    public string? DepartmentCode { get; init; }

    public DateOnly? ValidFrom { get; init; }

    public DateOnly? ValidUntil { get; init; }
}

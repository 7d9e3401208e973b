namespace Dxmig.Loaders.PlatformStore;

/// <summary>The columns of a device row, shared by <c>devices</c> and <c>device_staging</c>.</summary>
public abstract class DeviceColumns
{
    /// <summary>資産番号: the natural key.</summary>
    public required string AssetNumber { get; set; }

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public string? SerialNumber { get; set; }

    public string Model { get; set; } = string.Empty;

    public string Os { get; set; } = string.Empty;

    public string? Iccid { get; set; }

    public string? PhoneE164 { get; set; }

    public string PhoneText { get; set; } = string.Empty;

    public string Carrier { get; set; } = string.Empty;

    /// <summary>lent, stock, repair, retired (the export's text is in <see cref="StateText"/>).</summary>
    public required string State { get; set; }

    public string StateText { get; set; } = string.Empty;

    /// <summary>Employee id of the person it is lent to.</summary>
    public string? LentTo { get; set; }

    public string? DepartmentCode { get; set; }

    /// <summary>yyyy-MM-dd.</summary>
    public string? LentFrom { get; set; }

    /// <summary>yyyy-MM-dd.</summary>
    public string? LentUntil { get; set; }

    public string LendingPeriodText { get; set; } = string.Empty;

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of <c>devices</c>.</summary>
public sealed class DeviceEntity : DeviceColumns;

/// <summary>A row of <c>device_staging</c>: one loader batch in flight.</summary>
public sealed class DeviceStagingEntity : DeviceColumns
{
    public required string BatchId { get; set; }
}

/// <summary>A row of <c>sims</c>: a SIM by ICCID, its number and carrier as last seen.</summary>
public sealed class SimEntity
{
    public required string Iccid { get; set; }

    public string? PhoneE164 { get; set; }

    public string Carrier { get; set; } = string.Empty;

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>
/// A row of <c>device_assignments</c> (who had which device when) or <c>sim_installations</c> (which SIM was in which
/// device when): open while <see cref="ValidTo"/> is null.
/// </summary>
public abstract class HistoryColumns
{
    public long Id { get; set; }

    public required string AssetNumber { get; set; }

    /// <summary>yyyy-MM-dd (the lending start when the export gives one, else the day the change was seen).</summary>
    public required string ValidFrom { get; set; }

    /// <summary>yyyy-MM-dd: the day the change was seen; null while it holds.</summary>
    public string? ValidTo { get; set; }

    public DateTime RecordedUtc { get; set; }
}

/// <summary>Who had which device when.</summary>
public sealed class DeviceAssignmentEntity : HistoryColumns
{
    public required string EmployeeId { get; set; }
}

/// <summary>Which SIM was in which device when.</summary>
public sealed class SimInstallationEntity : HistoryColumns
{
    public required string Iccid { get; set; }
}

/// <summary>The columns of a telework permission, shared by <c>telework_permissions</c> and its staging table.</summary>
public abstract class TeleworkPermissionColumns
{
    public required string EmployeeId { get; set; }

    /// <summary>The system key of mappings/telework-groups.yaml (mobile, home…).</summary>
    public required string SystemKey { get; set; }

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public string SystemText { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string? DepartmentCode { get; set; }

    /// <summary>yyyy-MM-dd.</summary>
    public string? ValidFrom { get; set; }

    /// <summary>yyyy-MM-dd.</summary>
    public string? ValidUntil { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of <c>telework_permissions</c>.</summary>
public sealed class TeleworkPermissionEntity : TeleworkPermissionColumns;

/// <summary>A row of <c>telework_permission_staging</c>.</summary>
public sealed class TeleworkPermissionStagingEntity : TeleworkPermissionColumns
{
    public required string BatchId { get; set; }
}

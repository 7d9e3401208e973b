namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The columns of a staff row, shared by the <c>staff</c> table and its <c>staff_staging</c> table (not an entity
/// itself): the export's text, the normalised forms beside it, and the target user.
/// </summary>
public abstract class StaffColumns
{
    /// <summary>職員番号: the natural key.</summary>
    public required string EmployeeId { get; set; }

    public required string UserPrincipalName { get; set; }

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public required string DisplayName { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Kana { get; set; } = string.Empty;

    public string? KanaNormalized { get; set; }

    public string Romaji { get; set; } = string.Empty;

    public string? DepartmentCode { get; set; }

    public string? DepartmentName { get; set; }

    public string Title { get; set; } = string.Empty;

    public string Phone { get; set; } = string.Empty;

    public string? PhoneE164 { get; set; }

    public string Extension { get; set; } = string.Empty;

    public string? ExtensionNormalized { get; set; }

    public string Email { get; set; } = string.Empty;

    public string? EmailNormalized { get; set; }

    public string Office { get; set; } = string.Empty;

    /// <summary>着任日 as yyyy-MM-dd (the export's text is in <see cref="StartDateText"/>).</summary>
    public string? StartDate { get; set; }

    public string StartDateText { get; set; } = string.Empty;

    public string? Gaiji { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of the platform store's <c>staff</c> table.</summary>
public sealed class StaffEntity : StaffColumns;

/// <summary>A row of <c>staff_staging</c>: one loader batch, bulk-copied, then upserted into <c>staff</c> and removed.</summary>
public sealed class StaffStagingEntity : StaffColumns
{
    public required string BatchId { get; set; }
}

/// <summary>A row of the platform store's <c>departments</c> table (from mappings/cess-departments.csv).</summary>
public sealed class DepartmentEntity
{
    public required string Code { get; set; }

    public required string Name { get; set; }

    public string? ParentCode { get; set; }
}

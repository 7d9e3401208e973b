namespace Dxmig.Contracts.Records;

/// <summary>
/// A staff member ready to load: the export's text kept as it was (<see cref="Original"/>), the normalised values beside
/// it, the department resolved through the department table, and the Entra ID user (UPN) from the identity map.
/// </summary>
public sealed record StaffRecord
{
    public required string EmployeeId { get; init; }

    public required string UserPrincipalName { get; init; }

    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }

    public required StaffEntry Original { get; init; }

    /// <summary>The name with mapped 外字 replaced for display.</summary>
    public required string DisplayName { get; init; }

    public string? KanaNormalized { get; init; }

    public string? EmailNormalized { get; init; }

    public string? PhoneE164 { get; init; }

    /// <summary>The extension, digits only (full-width digits folded).</summary>
    public string? ExtensionNormalized { get; init; }

    public string? DepartmentCode { get; init; }

    /// <summary>The department's name from the department table (the export's own text when the code has none).</summary>
    public string? DepartmentName { get; init; }

    public DateOnly? StartDate { get; init; }

    /// <summary>外字 (private-use characters) found in the row, as U+XXXX, space-separated; null when none.</summary>
    public string? Gaiji { get; init; }
}

namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of a CESS staff-directory export (電子職員録), as the export holds it: decoded text, nothing normalised.
/// Which column feeds which field is set by <c>mappings/cess-staff-fields.yaml</c>.
/// </summary>
public sealed record StaffEntry : CsvRowEntry
{
    public string EmployeeId { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Kana { get; init; } = string.Empty;

    public string Romaji { get; init; } = string.Empty;

    public string DepartmentCode { get; init; } = string.Empty;

    public string DepartmentName { get; init; } = string.Empty;

    public string Title { get; init; } = string.Empty;

    public string Phone { get; init; } = string.Empty;

    public string Extension { get; init; } = string.Empty;

    public string Email { get; init; } = string.Empty;

    public string Office { get; init; } = string.Empty;

    public string StartDate { get; init; } = string.Empty;

    /// <summary>The fields in canonical order (for the content hash).</summary>
    public override IEnumerable<string> Fields() =>
        [EmployeeId, Name, Kana, Romaji, DepartmentCode, DepartmentName, Title, Phone, Extension, Email, Office, StartDate];
}

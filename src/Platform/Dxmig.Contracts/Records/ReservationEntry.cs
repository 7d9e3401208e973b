namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of a CESS facility-reservation export (施設予約), as the export holds it. Which column feeds which field is
/// set by <c>mappings/cess-reservation-fields.yaml</c>; the reserver is an employee id (職員番号).
/// </summary>
public sealed record ReservationEntry : CsvRowEntry
{
    public string ReservationId { get; init; } = string.Empty;

    public string FacilityCode { get; init; } = string.Empty;

    public string Reserver { get; init; } = string.Empty;

    public string StartDate { get; init; } = string.Empty;

    public string StartTime { get; init; } = string.Empty;

    public string EndDate { get; init; } = string.Empty;

    public string EndTime { get; init; } = string.Empty;

    public string Purpose { get; init; } = string.Empty;

    public string Memo { get; init; } = string.Empty;

    public override IEnumerable<string> Fields() => [ReservationId, FacilityCode, Reserver, StartDate, StartTime, EndDate, EndTime, Purpose, Memo];
}

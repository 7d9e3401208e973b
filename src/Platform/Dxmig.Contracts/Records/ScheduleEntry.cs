namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of a CESS schedule export (スケジュール), as the export holds it. Which column feeds which field is set by
/// <c>mappings/cess-schedule-fields.yaml</c>. Owner and participants are employee ids (職員番号); participants are
/// separated by <c>;</c>, <c>、</c> or spaces.
/// </summary>
public sealed record ScheduleEntry : CsvRowEntry
{
    public string ScheduleId { get; init; } = string.Empty;

    public string Owner { get; init; } = string.Empty;

    public string Title { get; init; } = string.Empty;

    public string Place { get; init; } = string.Empty;

    public string StartDate { get; init; } = string.Empty;

    public string StartTime { get; init; } = string.Empty;

    public string EndDate { get; init; } = string.Empty;

    public string EndTime { get; init; } = string.Empty;

    public string AllDay { get; init; } = string.Empty;

    public string Recurrence { get; init; } = string.Empty;

    public string RecurrenceEnd { get; init; } = string.Empty;

    public string Participants { get; init; } = string.Empty;

    public string Private { get; init; } = string.Empty;

    public string Memo { get; init; } = string.Empty;

    public override IEnumerable<string> Fields() =>
        [ScheduleId, Owner, Title, Place, StartDate, StartTime, EndDate, EndTime, AllDay, Recurrence, RecurrenceEnd, Participants, Private, Memo];
}

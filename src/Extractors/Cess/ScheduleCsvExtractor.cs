using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Reads a CESS schedule export (スケジュール; CP932 or UTF-8 with BOM), streaming; the source key is the schedule id
/// (予定ID). Row checks and removals as <see cref="KeyedCsvExtractor{T}"/> describes.
/// </summary>
public sealed class ScheduleCsvExtractor(KeyedCsvOptions options, ILogger<ScheduleCsvExtractor> logger) : KeyedCsvExtractor<ScheduleEntry>(options, logger)
{
    public const string System = "cess-schedules";
    public const string ContainerName = "schedules";
    public const string Key = "schedule-id";

    /// <summary>The fields, in canonical order.</summary>
    public static readonly IReadOnlyList<string> FieldNames =
    [
        Key, "owner", "title", "place", "start-date", "start-time", "end-date", "end-time", "all-day", "recurrence", "recurrence-end",
        "participants", "private", "memo",
    ];

    /// <summary>The map the generated sample exports need (the same as mappings/cess-schedule-fields.yaml).</summary>
    public static KeyedFieldMap DefaultFieldMap { get; } = KeyedFieldMap.Create(FieldNames, Key, new Dictionary<string, FieldRule>
    {
        [Key] = new(["予定ID", "スケジュールID", "予定番号"], true),
        ["owner"] = new(["登録者", "登録者職員番号", "所有者"], true),
        ["title"] = new(["件名", "予定", "タイトル"], true),
        ["place"] = new(["場所"], false),
        ["start-date"] = new(["開始日"], true),
        ["start-time"] = new(["開始時刻"], false),
        ["end-date"] = new(["終了日"], false),
        ["end-time"] = new(["終了時刻"], false),
        ["all-day"] = new(["終日"], false),
        ["recurrence"] = new(["繰り返し", "繰返し"], false),
        ["recurrence-end"] = new(["繰り返し終了", "繰返し終了"], false),
        ["participants"] = new(["参加者", "参加者職員番号"], false),
        ["private"] = new(["非公開", "公開区分"], false),
        ["memo"] = new(["メモ", "備考", "内容"], false),
    });

    protected override string KeySystem => System;

    protected override string KeyContainer => ContainerName;

    protected override string KeyField => Key;

    protected override (string Source, string Unit, string English) RowsName => ("スケジュール", "件", "schedules");

    protected override (string Japanese, string English) FileName => ("スケジュールファイル", "schedule export");

    protected override (string Japanese, string English) KeyName => ("予定ID", "schedule id");

    protected override ScheduleEntry Create(string file, int line, Func<string, string> field) => new()
    {
        File = file,
        Line = line,
        ScheduleId = field(Key),
        Owner = field("owner"),
        Title = field("title"),
        Place = field("place"),
        StartDate = field("start-date"),
        StartTime = field("start-time"),
        EndDate = field("end-date"),
        EndTime = field("end-time"),
        AllDay = field("all-day"),
        Recurrence = field("recurrence"),
        RecurrenceEnd = field("recurrence-end"),
        Participants = field("participants"),
        Private = field("private"),
        Memo = field("memo"),
    };

    protected override ScheduleEntry Removed(string file, string nativeId) => new() { File = file, Line = 0, ScheduleId = nativeId };
}

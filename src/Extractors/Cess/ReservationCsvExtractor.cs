using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Reads a CESS facility-reservation export (施設予約; CP932 or UTF-8 with BOM), streaming; the source key is the
/// reservation id (予約ID). Row checks and removals as <see cref="KeyedCsvExtractor{T}"/> describes.
/// </summary>
public sealed class ReservationCsvExtractor(KeyedCsvOptions options, ILogger<ReservationCsvExtractor> logger) : KeyedCsvExtractor<ReservationEntry>(options, logger)
{
    public const string System = "cess-facilities";
    public const string ContainerName = "reservations";
    public const string Key = "reservation-id";

    /// <summary>The fields, in canonical order.</summary>
    public static readonly IReadOnlyList<string> FieldNames =
        [Key, "facility-code", "reserver", "start-date", "start-time", "end-date", "end-time", "purpose", "memo"];

    /// <summary>The map the generated sample exports need (the same as mappings/cess-reservation-fields.yaml).</summary>
    public static KeyedFieldMap DefaultFieldMap { get; } = KeyedFieldMap.Create(FieldNames, Key, new Dictionary<string, FieldRule>
    {
        [Key] = new(["予約ID", "予約番号"], true),
        ["facility-code"] = new(["施設コード"], true),
        ["reserver"] = new(["予約者", "予約者職員番号", "申請者"], true),
        ["start-date"] = new(["利用日", "開始日"], true),
        ["start-time"] = new(["開始時刻"], true),
        ["end-date"] = new(["終了日"], false),
        ["end-time"] = new(["終了時刻"], true),
        ["purpose"] = new(["利用目的", "目的", "件名"], false),
        ["memo"] = new(["備考", "メモ"], false),
    });

    protected override string KeySystem => System;

    protected override string KeyContainer => ContainerName;

    protected override string KeyField => Key;

    protected override (string Source, string Unit, string English) RowsName => ("施設予約", "件", "reservations");

    protected override (string Japanese, string English) FileName => ("施設予約ファイル", "facility-reservation export");

    protected override (string Japanese, string English) KeyName => ("予約ID", "reservation id");

    protected override ReservationEntry Create(string file, int line, Func<string, string> field) => new()
    {
        File = file,
        Line = line,
        ReservationId = field(Key),
        FacilityCode = field("facility-code"),
        Reserver = field("reserver"),
        StartDate = field("start-date"),
        StartTime = field("start-time"),
        EndDate = field("end-date"),
        EndTime = field("end-time"),
        Purpose = field("purpose"),
        Memo = field("memo"),
    };

    protected override ReservationEntry Removed(string file, string nativeId) => new() { File = file, Line = 0, ReservationId = nativeId };
}

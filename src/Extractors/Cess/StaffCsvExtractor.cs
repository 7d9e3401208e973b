using Dxmig.Extractors.Csv;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Reads a CESS staff-directory export (電子職員録; CP932 or UTF-8 with BOM), streaming; the source key is the employee
/// id (職員番号), the version the row's content hash. Every row becomes an item: bad bytes, an unclosed quote, the
/// wrong number of columns or a missing employee id are quarantined with file and line; a row repeated word for word
/// is skipped (<c>duplicate-row</c>); a second row for the same id with other content is quarantined
/// (<c>duplicate-key</c>, naming the first line). After the last row, people the target holds who are gone from the
/// export are yielded as removals, within <see cref="StaffSourceOptions.Removals"/>' threshold.
/// </summary>
public sealed class StaffCsvExtractor(StaffSourceOptions options, ILogger<StaffCsvExtractor> logger)
    : KeyedCsvExtractor<StaffEntry>(new KeyedCsvOptions(options.File, options.Encoding, options.FieldMap.Fields, options.Removals), logger)
{
    public const string SystemName = "cess-staff";
    public const string Container = "staff";

    protected override string KeySystem => SystemName;

    protected override string KeyContainer => Container;

    protected override string KeyField => "employee-id";

    protected override (string Japanese, string English) FileName => ("職員録ファイル", "staff-directory export");

    protected override (string Japanese, string English) KeyName => ("職員番号", "employee id");

    protected override (string Source, string Unit, string English) RowsName => ("職員録", "人", "staff");

    protected override StaffEntry Create(string file, int line, Func<string, string> field) => new()
    {
        File = file,
        Line = line,
        EmployeeId = field("employee-id"),
        Name = field("name"),
        Kana = field("kana"),
        Romaji = field("romaji"),
        DepartmentCode = field("department-code"),
        DepartmentName = field("department-name"),
        Title = field("title"),
        Phone = field("phone"),
        Extension = field("extension"),
        Email = field("email"),
        Office = field("office"),
        StartDate = field("start-date"),
    };

    protected override StaffEntry Removed(string file, string nativeId) => new() { File = file, Line = 0, EmployeeId = nativeId };
}

using Dxmig.Extractors.Csv;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Mobile;

/// <summary>
/// What the telework-groups extractor needs: the permission lists and their column map, the group map, the department
/// table, how dates are read (era or Gregorian; the job passes the transformers' parser), today (Asia/Tokyo), and the
/// removal threshold (members a list no longer grants).
/// </summary>
public sealed record TeleworkGroupSourceOptions(
    IReadOnlyList<string> PermissionFiles,
    CsvEncodingChoice Encoding,
    MobileFieldMap PermissionMap,
    TeleworkGroupMap Groups,
    DepartmentMap Departments,
    Func<string, DateOnly?> ParseDate,
    DateOnly Today,
    DeletionSafety Removals);

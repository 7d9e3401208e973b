using Dxmig.Extractors.Csv;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Where the CESS staff-directory export is, how it is encoded, which column is which, and how removals are guarded
/// (null: people gone from the export are never removed, as for a Graph target).
/// </summary>
public sealed record StaffSourceOptions(string File, CsvEncodingChoice Encoding, StaffFieldMap FieldMap, DeletionSafety? Removals);

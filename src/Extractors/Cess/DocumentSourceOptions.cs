using Dxmig.Extractors.Csv;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Where the CESS shared-documents export is (the folder of files and the metadata CSV), how the CSV is encoded and
/// which column is which; <paramref name="TargetPathOf"/> gives a file's path on the target (after the name rules), so two
/// files that would land on one name are caught; <paramref name="Removals"/> guards removals (null: never remove).
/// </summary>
public sealed record DocumentSourceOptions(
    string Folder, string Metadata, CsvEncodingChoice Encoding, DocumentFieldMap FieldMap, Func<string, string?>? TargetPathOf, DeletionSafety? Removals);

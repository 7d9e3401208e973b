using Dxmig.Extractors.AddressBook;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// Where a keyed CSV export is, how it is encoded, which column is which, and how removals are guarded (null: rows gone
/// from the export are never removed).
/// </summary>
public sealed record KeyedCsvOptions(string File, CsvEncodingChoice Encoding, IReadOnlyDictionary<string, FieldRule> Fields, DeletionSafety? Removals);

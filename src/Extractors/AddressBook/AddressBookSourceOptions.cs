using Dxmig.Extractors.Csv;

namespace Dxmig.Extractors.AddressBook;

/// <summary>
/// Where each account's address-book export is, how it is encoded, and which column is which; <paramref name="Removals"/>:
/// the run's removal plan (null: contacts gone from an export are never removed).
/// </summary>
public sealed record AddressBookSourceOptions(
    IReadOnlyDictionary<string, string> Files,
    CsvEncodingChoice Encoding,
    AddressBookFieldMap FieldMap,
    AddressBookRemovalPlan? Removals = null);

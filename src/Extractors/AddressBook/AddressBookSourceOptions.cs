using Dxmig.Extractors.Csv;

namespace Dxmig.Extractors.AddressBook;

/// <summary>Where each account's address-book export is, how it is encoded, and which column is which.</summary>
public sealed record AddressBookSourceOptions(
    IReadOnlyDictionary<string, string> Files,
    CsvEncodingChoice Encoding,
    AddressBookFieldMap FieldMap);

using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Platform.Jobs;
using Dxmig.Contracts.Mappings;

namespace Dxmig.Cli.Kinds;

/// <summary>What an address-book job's sections and mapping files say, checked.</summary>
internal sealed record AddressBookJobSettings(
    IReadOnlyDictionary<string, string> Files,
    CsvEncodingChoice Encoding,
    AddressBookFieldMap FieldMap,
    IdentityMap? Identities,
    GaijiMap Gaiji,
    string Store,
    SecretReference? StorePassword,
    GraphTargetSettings? Graph = null);

using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.AddressBook;

/// <summary>What an address-book job's sections and mapping files say, checked.</summary>
public sealed record AddressBookJobSettings(
    IReadOnlyDictionary<string, string> Files,
    CsvEncodingChoice Encoding,
    AddressBookFieldMap FieldMap,
    IdentityMap? Identities,
    GaijiMap Gaiji,
    string Store,
    SecretReference? StorePassword,
    GraphTargetSettings? Graph = null,
    int DeleteThreshold = DeletionSafety.DefaultMaxCount,
    double DeleteThresholdPercent = DeletionSafety.DefaultMaxPercent);

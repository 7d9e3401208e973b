using Dxmig.Extractors.Csv;
using Dxmig.Platform.Jobs;
using Dxmig.Contracts.Mappings;

namespace Dxmig.Cli.Kinds;

/// <summary>What a <c>cess-schedules</c> or <c>cess-facilities</c> job's sections and mapping files say, checked.</summary>
internal sealed record CalendarJobSettings(
    string File,
    string Account,
    CsvEncodingChoice Encoding,
    KeyedFieldMap FieldMap,
    IdentityMap Identities,
    FacilityMap? Facilities,
    GaijiMap Gaiji,
    string Store,
    SecretReference? StorePassword,
    int DeleteThreshold,
    double DeleteThresholdPercent,
    GraphTargetSettings? Graph);

using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;

namespace Dxmig.Jobs.Cess.Calendar;

/// <summary>What a <c>cess-schedules</c> or <c>cess-facilities</c> job's sections and mapping files say, checked.</summary>
public sealed record CalendarJobSettings(
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

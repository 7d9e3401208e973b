using Dxmig.Extractors.Csv;
using Dxmig.Extractors.Mobile;
using Dxmig.Contracts.Mappings;
using Dxmig.Jobs.Common;

namespace Dxmig.Jobs.Mobile.TeleworkGroups;

/// <summary>What a <c>telework-groups</c> job's sections and mapping files say, checked.</summary>
public sealed record TeleworkGroupsJobSettings(
    IReadOnlyList<string> Files,
    CsvEncodingChoice Encoding,
    MobileFieldMap FieldMap,
    TeleworkGroupMap Groups,
    DepartmentMap Departments,
    IdentityMap Identities,
    GraphTargetSettings Graph,
    int DeleteThreshold,
    double DeleteThresholdPercent,
    TimeSpan ReplicationWait);

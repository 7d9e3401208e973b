using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;

namespace Dxmig.Jobs.Cess.Staff;

/// <summary>What a <c>cess-staff</c> job's sections and mapping files say, checked.</summary>
public sealed record StaffJobSettings(
    string File,
    string Account,
    CsvEncodingChoice Encoding,
    StaffFieldMap FieldMap,
    IdentityMap Identities,
    DepartmentMap Departments,
    GaijiMap Gaiji,
    string Store,
    SecretReference? StorePassword,
    int DeleteThreshold,
    double DeleteThresholdPercent,
    GraphTargetSettings? Graph = null,
    IReadOnlyList<string>? Attributes = null);

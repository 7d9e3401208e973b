using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Transformers.Cess;

namespace Dxmig.Jobs.Cess.Documents;

/// <summary>What a <c>cess-documents</c> job's sections and mapping files say, checked.</summary>
public sealed record DocumentJobSettings(
    string Folder,
    string Metadata,
    string Account,
    CsvEncodingChoice Encoding,
    DocumentFieldMap FieldMap,
    IdentityMap Owners,
    SharePointNames Names,
    DriveTarget? Drive,
    GraphTargetSettings? Graph,
    string? Store,
    SecretReference? StorePassword,
    int DeleteThreshold,
    double DeleteThresholdPercent)
{
    /// <summary>The folder under the target drive's root (empty for the platform store alone).</summary>
    public string TargetFolder => Drive?.Folder ?? string.Empty;
}

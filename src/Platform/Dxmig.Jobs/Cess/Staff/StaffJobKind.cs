using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Reconciliation;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Staff;

/// <summary>
/// <c>kind: cess-staff</c>: a CESS staff-directory export (電子職員録) → the platform store's staff and departments
/// tables (<c>target.type: platform-staff</c>), or the listed Entra ID user attributes through Graph
/// (<c>target.type: graph</c>). On the platform store, people gone from the export are removed within the deletion
/// threshold; above it nothing is removed, the pending deletions go to <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c>
/// and the run ends "needs attention" (exit 1) until <c>dxmig run JOB --confirm-deletes RUNID</c>.
/// </summary>
public sealed class StaffJobKind : JobKind<StaffJobSettings>, IReconcilableKind<StaffJobSettings>, ISizedKind<StaffJobSettings>, Doctor.IDoctorableKind<StaffJobSettings>
{
    public const string SourceType = "cess-staff-csv";
    public const string TargetType = "platform-staff";
    public const string GraphType = "graph";
    public const string DefaultAccount = "cess";

    public override string Name => "cess-staff";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["identity"] = true,
        ["departments"] = true,
        ["gaiji"] = false,
    };

    public override StaffJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (file, account, encodingName) = CsvJobSections.Source(job, SourceType, DefaultAccount, diagnostics);
        var target = job.Target;
        var targetType = CsvJobSections.TargetType(job, TargetType, GraphType, diagnostics);

        GraphTargetSettings? graph = null;
        IReadOnlyList<string>? attributes = null;
        var store = string.Empty;
        SecretReference? storePassword = null;
        var threshold = DeletionSafety.DefaultMaxCount;
        var percent = DeletionSafety.DefaultMaxPercent;
        if (targetType == GraphType)
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "attributes"]);
            graph = GraphTargetReader.Read(target);
            attributes = target.StringList("attributes");
            var unknown = attributes.Except(GraphStaffLoader.Attributes, StringComparer.Ordinal).ToList();
            if (attributes.Count == 0 || unknown.Count > 0)
            {
                diagnostics.Error(target.PositionOf("attributes"),
                    $"'target.attributes' に書き込む属性を並べてください (使える属性: {string.Join(", ", GraphStaffLoader.Attributes)}; 不明: {string.Join(", ", unknown)})",
                    $"'target.attributes' must list the attributes to write (from: {string.Join(", ", GraphStaffLoader.Attributes)}; unknown: {string.Join(", ", unknown)})");
            }
        }
        else
        {
            target.CheckKeys("type", "store", "password-env", "password-file", "store-tls", "delete-threshold", "delete-threshold-percent");
            (store, storePassword) = PlatformStoreTarget.Read(job, target, diagnostics);
            threshold = target.Number("delete-threshold", 0, 1_000_000) ?? threshold;
            percent = target.Number("delete-threshold-percent", 0, 100) ?? percent;
        }

        var fieldMap = job.Mappings.TryGetValue("fields", out var fieldsRef) ? StaffFieldMap.Load(fieldsRef.Path, diagnostics) : StaffFieldMap.Default;
        var identities = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics) : null;
        var departments = job.Mappings.TryGetValue("departments", out var departmentsRef) ? DepartmentMap.Load(departmentsRef.Path, diagnostics) : null;
        var gaiji = job.Mappings.TryGetValue("gaiji", out var gaijiRef) ? GaijiMap.Load(gaijiRef.Path, diagnostics) : GaijiMap.Empty;
        if (fieldMap is not null && identities is not null && departments is not null && gaiji is not null && encodingName is not null && file is not null)
        {
            return new StaffJobSettings(
                file, account, CsvEncoding.Parse(encodingName), fieldMap, identities, departments, gaiji, store, storePassword, threshold, percent, graph, attributes);
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, StaffJobSettings settings) => [settings.Account];

    public Task<IReconciler> CreateReconcilerAsync(JobContext<StaffJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new StaffReconciler(settings, job, loggers, request.Time));
    }

    public override async Task<RunResult> RunAsync(JobContext<StaffJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = settings.Graph is null
            ? PendingDeletions.Safety(folder, settings.DeleteThreshold, settings.DeleteThresholdPercent, request.ConfirmDeletes)
            : null;
        await using ILoader<StaffRecord> loader = settings.Graph is { } graph
            ? new GraphStaffLoader(graph.Resolve(job.Environment), settings.Attributes!, loggers.CreateLogger<GraphStaffLoader>(), request.Time)
            : await PlatformStaffLoader.OpenAsync(
                StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment)), settings.Departments, request.Time, stopToken);
        var extractor = new StaffCsvExtractor(
            new StaffSourceOptions(settings.File, settings.Encoding, settings.FieldMap, safety), loggers.CreateLogger<StaffCsvExtractor>());
        var transformer = new StaffTransformer(settings.Identities, settings.Departments, settings.Gaiji);
        var result = await RecordJobRun.RunAsync(job, request, extractor, transformer, loader, observer, loggers, stopToken);
        if (safety is not null)
        {
            PendingDeletions.Report(job, result, safety, folder, "employee_id", loggers);
        }

        return result;
    }

    /// <summary>Where a run's pending deletions are listed.</summary>
    public static string PendingPath(string folder, string runId) => PendingDeletions.PendingPath(folder, runId);

    public async Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<StaffJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [await SourceSizes.CsvFilesAsync(context.Settings.Account, [context.Settings.File], cancellationToken)];
    }

    public TargetRate RateOf(JobContext<StaffJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Settings.Graph is not null ? SourceSizes.Graph(given) : SourceSizes.Store(TargetType, given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<StaffJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.Staff(context, request);
}

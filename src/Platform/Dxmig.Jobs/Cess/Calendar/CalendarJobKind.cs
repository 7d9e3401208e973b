using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Calendar;

/// <summary>
/// What the CESS calendar job kinds (<c>cess-schedules</c>, <c>cess-facilities</c>) share: a keyed CSV export → the
/// platform store (<c>target.type: platform-calendar</c>) or events through Graph (<c>target.type: graph</c>). A re-run
/// applies only the difference (new, changed, removed by key and content hash, through the ledger). Rows gone from the
/// export are removed from the target within the deletion threshold (count and %, per record type); above it nothing
/// is removed, the pending deletions go to <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c> and the run ends "needs
/// attention" until <c>dxmig run JOB --confirm-deletes RUNID</c>.
/// </summary>
public abstract class CalendarJobKind<TEntry, TRecord> : JobKind<CalendarJobSettings>, IReconcilableKind<CalendarJobSettings>, ISizedKind<CalendarJobSettings>, Doctor.IDoctorableKind<CalendarJobSettings>
    where TEntry : CsvRowEntry
    where TRecord : class, ICalendarItem
{
    public const string StoreType = "platform-calendar";
    public const string GraphType = "graph";
    public const string DefaultAccount = "cess";

    public abstract override string Name { get; }

    public abstract override IReadOnlyDictionary<string, bool> MappingNames { get; }

    /// <summary>The <c>source.type</c> this kind reads.</summary>
    protected abstract string SourceType { get; }

    protected abstract IReadOnlyList<string> FieldNames { get; }

    protected abstract string KeyField { get; }

    protected abstract KeyedFieldMap DefaultFieldMap { get; }

    /// <summary>The id column of the pending-deletions list, and the unit of the message (件).</summary>
    protected abstract string IdHeader { get; }

    protected abstract IExtractor<TEntry> CreateExtractor(KeyedCsvOptions options, ILoggerFactory loggers);

    protected abstract ITransformer<TEntry, TRecord> CreateTransformer(CalendarJobSettings settings);

    /// <summary>The store table of this kind (the reconciliation's container), the prefix of its target keys and how the store reads its rows.</summary>
    protected abstract (string Table, string TargetPrefix, Func<StoreReader, CancellationToken, IAsyncEnumerable<CalendarRow>> Read) StoreTable { get; }

    protected abstract Task<ILoader<TRecord>> OpenStoreAsync(StoreLocation location, CalendarJobSettings settings, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>The facility table when this kind needs one (null otherwise).</summary>
    protected virtual FacilityMap? ReadFacilities(JobFile job, DiagnosticBag diagnostics) => null;

    public override CalendarJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (file, account, encodingName) = CsvJobSections.Source(job, SourceType, DefaultAccount, diagnostics);
        var target = job.Target;
        var targetType = CsvJobSections.TargetType(job, StoreType, GraphType, diagnostics);

        GraphTargetSettings? graph = null;
        var store = string.Empty;
        SecretReference? storePassword = null;
        if (targetType == GraphType)
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "delete-threshold", "delete-threshold-percent"]);
            graph = GraphTargetReader.Read(target);
        }
        else
        {
            target.CheckKeys("type", "store", "password-env", "password-file", "store-tls", "delete-threshold", "delete-threshold-percent");
            (store, storePassword) = PlatformStoreTarget.Read(job, target, diagnostics);
        }

        var threshold = target.Number("delete-threshold", 0, 1_000_000) ?? DeletionSafety.DefaultMaxCount;
        var percent = target.Number("delete-threshold-percent", 0, 100) ?? DeletionSafety.DefaultMaxPercent;
        var fieldMap = job.Mappings.TryGetValue("fields", out var fieldsRef) ? KeyedFieldMap.Load(fieldsRef.Path, FieldNames, KeyField, diagnostics) : DefaultFieldMap;
        var identities = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics) : null;
        var gaiji = job.Mappings.TryGetValue("gaiji", out var gaijiRef) ? GaijiMap.Load(gaijiRef.Path, diagnostics) : GaijiMap.Empty;
        var facilities = ReadFacilities(job, diagnostics);
        var facilitiesOk = facilities is not null || !MappingNames.ContainsKey("facilities");
        if (fieldMap is not null && identities is not null && gaiji is not null && facilitiesOk && encodingName is not null && file is not null)
        {
            return new CalendarJobSettings(
                file, account, CsvEncoding.Parse(encodingName), fieldMap, identities, facilities, gaiji, store, storePassword, threshold, percent, graph);
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, CalendarJobSettings settings) => [settings.Account];

    public Task<IReconciler> CreateReconcilerAsync(JobContext<CalendarJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        var extractor = CreateExtractor(new KeyedCsvOptions(settings.File, settings.Encoding, settings.FieldMap.Fields, null), loggers);
        return Task.FromResult<IReconciler>(new CalendarReconciler<TEntry, TRecord>(
            extractor, CreateTransformer(settings), settings, job, StoreTable, loggers, request.Time));
    }

    public override async Task<RunResult> RunAsync(JobContext<CalendarJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = PendingDeletions.Safety(folder, settings.DeleteThreshold, settings.DeleteThresholdPercent, request.ConfirmDeletes);
        await using var loader = settings.Graph is { } graph
            ? new GraphEventLoader<TRecord>(graph.Resolve(job.Environment), loggers.CreateLogger(Name), request.Time)
            : await OpenStoreAsync(StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment)), settings, request.Time, stopToken);
        var extractor = CreateExtractor(new KeyedCsvOptions(settings.File, settings.Encoding, settings.FieldMap.Fields, safety), loggers);
        var result = await RecordJobRun.RunAsync(job, request, extractor, CreateTransformer(settings), loader, observer, loggers, stopToken);
        PendingDeletions.Report(job, result, safety, folder, IdHeader, loggers);
        return result;
    }

    public async Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<CalendarJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [await SourceSizes.CsvFilesAsync(context.Settings.Account, [context.Settings.File], cancellationToken)];
    }

    public TargetRate RateOf(JobContext<CalendarJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Settings.Graph is not null ? SourceSizes.Graph(given) : SourceSizes.Store(StoreType, given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<CalendarJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.Calendar(context, request);
}

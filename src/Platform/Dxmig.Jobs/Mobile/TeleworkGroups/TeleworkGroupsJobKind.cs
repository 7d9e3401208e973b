using Dxmig.Contracts.Text;
using Dxmig.Extractors.Csv;
using Dxmig.Extractors.Mobile;
using Dxmig.Jobs.Mobile.Devices;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Scheduling;
using Dxmig.Transformers.Mobile;
using Microsoft.Extensions.Logging;

using Dxmig.Platform.Reconciliation;

namespace Dxmig.Jobs.Mobile.TeleworkGroups;

/// <summary>
/// <c>kind: telework-groups</c>: the telework permission lists → Entra ID security groups through Graph (the all-users
/// group, one per system, one per department; names in mappings/telework-groups.yaml), people matched through the
/// identity map. Each night only the difference is applied (the ledger knows what was added); members no list grants
/// any more are removed within the threshold (<c>delete-threshold</c> 500, <c>delete-threshold-percent</c> 20); above
/// it none is, the list goes to <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c> and the run ends "needs attention"
/// until <c>dxmig run JOB --confirm-deletes RUNID</c>. Members a group has that no list grants (added by hand) are
/// never removed: they are listed as conflicts.
/// </summary>
public sealed class TeleworkGroupsJobKind : JobKind<TeleworkGroupsJobSettings>, IReconcilableKind<TeleworkGroupsJobSettings>, ISizedKind<TeleworkGroupsJobSettings>, Doctor.IDoctorableKind<TeleworkGroupsJobSettings>
{
    public const string SourceType = "telework-permission-csv";
    public const string Account = "entra";

    public override string Name => "telework-groups";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["groups"] = true,
        ["departments"] = true,
        ["identity"] = true,
    };

    public override TeleworkGroupsJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var source = job.Source;
        source.CheckKeys("type", "files", "encoding");
        source.Choice("type", [SourceType]);
        if (!source.Has("type"))
        {
            diagnostics.Error(source.Position, $"'source.type' がありません ({SourceType})", $"'source.type' is missing ({SourceType})");
        }

        var encodingName = source.Choice("encoding", CsvEncoding.Names, "auto");
        var files = Files(source, "files", diagnostics);
        var target = job.Target;
        target.CheckKeys([.. GraphTargetReader.Keys, "delete-threshold", "delete-threshold-percent", "replication-wait-seconds"]);
        target.Choice("type", ["graph"]);
        var graph = GraphTargetReader.Read(target);
        var threshold = target.Number("delete-threshold", 0, 1_000_000) ?? DeletionSafety.DefaultMaxCount;
        var percent = target.Number("delete-threshold-percent", 0, 100) ?? DeletionSafety.DefaultMaxPercent;
        var wait = target.Number("replication-wait-seconds", 0, 3600) ?? 120;

        var fieldMap = job.Mappings.TryGetValue("fields", out var fieldsRef)
            ? MobileFieldMap.Load(fieldsRef.Path, MobileFieldMap.PermissionFields, diagnostics)
            : MobileFieldMap.DefaultPermissions;
        var groups = job.Mappings.TryGetValue("groups", out var groupsRef) ? TeleworkGroupMap.Load(groupsRef.Path, diagnostics) : null;
        var departments = job.Mappings.TryGetValue("departments", out var departmentsRef) ? DepartmentMap.Load(departmentsRef.Path, diagnostics) : null;
        var identities = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics) : null;
        if (fieldMap is not null && groups is not null && departments is not null && identities is not null && graph is not null && encodingName is not null && files.Count > 0)
        {
            return new TeleworkGroupsJobSettings(
                files, CsvEncoding.Parse(encodingName), fieldMap, groups, departments, identities, graph, threshold, percent, TimeSpan.FromSeconds(wait));
        }

        return null;
    }

    /// <summary>The files a source key lists (one or several), resolved and checked to exist.</summary>
    public static IReadOnlyList<string> Files(JobSection source, string key, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(source);
        var files = source.StringList(key).Select(source.ResolvePath).ToList();
        if (files.Count == 0)
        {
            diagnostics.Error(source.PositionOf(key), $"'source.{key}' にファイルを書いてください", $"'source.{key}' must name the file(s)");
        }

        foreach (var file in files.Where(f => !File.Exists(f)))
        {
            source.SourceMissing(source.PositionOf(key), $"ファイル {file} がありません", $"file {file} does not exist");
        }

        return files;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, TeleworkGroupsJobSettings settings) => [Account];

    public Task<IReconciler> CreateReconcilerAsync(JobContext<TeleworkGroupsJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new TeleworkGroupsReconciler(settings, job, loggers, request.Time));
    }

    public override async Task<RunResult> RunAsync(JobContext<TeleworkGroupsJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = new DeletionSafety
        {
            MaxCount = settings.DeleteThreshold,
            MaxPercent = settings.DeleteThresholdPercent,
            Confirmed = request.ConfirmDeletes is { } runId ? PendingDeletions.Read(folder, runId) : null,
        };
        var today = JapanTime.Today(request.Time);
        var ledgerLocation = job.LedgerLocation();
        await using var ledger = await JobLedger.OpenAsync(ledgerLocation, request.Time, stopToken);
        using var session = new GraphSession(settings.Graph.Resolve(job.Environment));
        await using var loader = new GraphGroupLoader(session, loggers.CreateLogger<GraphGroupLoader>(), request.Time) { ReplicationWait = settings.ReplicationWait };
        var extractor = new TeleworkGroupExtractor(
            new TeleworkGroupSourceOptions(
                settings.Files, settings.Encoding, settings.FieldMap, settings.Groups, settings.Departments,
                text => MobileTransformer.TryDate(text, out var date) ? date : null, today, safety),
            loggers.CreateLogger<TeleworkGroupExtractor>());
        var runner = new PipelineRunner<GroupMembership, GroupMembership>(
            extractor, new GroupMembershipTransformer(settings.Identities), loader, ledger, loggers.CreateLogger("dxmig.run"), request.Time);
        var result = await runner.RunAsync(
            request.RunSettings(job, [Account]),
            observer,
            stopToken);
        if (safety.Pending.Count > 0)
        {
            var path = PendingDeletions.Write(folder, result.Run.RunId, "membership", safety.Pending);
            result.Run.Message = (result.Run.Message is { } message ? message + "\n" : string.Empty) +
                $"要確認: 外すのを保留した {safety.Pending.Count} 件の一覧 {path} を確認し、確定するには dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId} / " +
                $"needs attention: review the {safety.Pending.Count} held-back member removals in {path}; to confirm: dxmig run {job.FilePath} --confirm-deletes {result.Run.RunId}";
        }

        if (!request.DryRun && result.Run.Outcome is not (RunOutcome.Failed or RunOutcome.Stopped))
        {
            MobileConflicts.Report(folder, result.Run, await UngrantedMembersAsync(settings, extractor.Wanted, loader, stopToken));
        }

        return result;
    }

    /// <summary>Members a group has that no list grants (nor a pending removal explains): conflicts, never removed here.</summary>
    private static async Task<List<ReportConflict>> UngrantedMembersAsync(
        TeleworkGroupsJobSettings settings, IReadOnlyList<GroupMembership> wanted, GraphGroupLoader loader, CancellationToken cancellationToken)
    {
        var conflicts = new List<ReportConflict>();
        foreach (var (group, granted) in TeleworkGrants.Expected(settings, wanted))
        {
            foreach (var (id, upn) in await loader.ListMembersAsync(Account, group, cancellationToken))
            {
                if (upn is null || !granted.Contains(upn))
                {
                    conflicts.Add(TeleworkGrants.NotGranted(group, upn ?? id));
                }
            }
        }

        return conflicts;
    }

    public async Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<TeleworkGroupsJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [await SourceSizes.CsvFilesAsync(Account, context.Settings.Files, cancellationToken)];
    }

    public TargetRate RateOf(JobContext<TeleworkGroupsJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SourceSizes.Graph(given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<TeleworkGroupsJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.TeleworkGroups(context, request);
}

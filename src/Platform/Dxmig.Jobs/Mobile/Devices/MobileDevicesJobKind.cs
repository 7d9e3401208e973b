using Dxmig.Contracts.Text;
using Dxmig.Jobs.Cess.Staff;
using Dxmig.Jobs.Mobile.TeleworkGroups;
using Dxmig.Jobs.Common;
using Dxmig.Platform.Scheduling;
using Dxmig.Extractors.Csv;
using Dxmig.Extractors.Mobile;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Mobile;
using Microsoft.Extensions.Logging;

using Dxmig.Platform.Reconciliation;

namespace Dxmig.Jobs.Mobile.Devices;

/// <summary>
/// <c>kind: mobile-devices</c>: the device inventory and the telework permission lists → the platform store
/// (<c>devices</c>, <c>sims</c>, <c>device_assignments</c>, <c>sim_installations</c>, <c>telework_permissions</c>), as two
/// accounts (<c>devices</c>, <c>permissions</c>). After the run the store is checked against the staff directory
/// (<c>staff</c>, from the cess-staff job) for the conflicts an admin must see, listed in
/// <c>{logs}/{job}/conflicts-{RUNID}.csv</c>: a device lent to someone not in the staff directory, a SIM in two
/// devices, a lending period over while still lent, a permission for someone not in the staff directory.
/// <c>target.intune-import</c> (BETA, off by default) also uploads the serial numbers as Intune corporate identifiers.
/// A device gone from the inventory is retired in <c>devices</c> (kept, its open assignment and SIM history closed the
/// day of the run; back in the inventory, it is written again and opens new history rows), within the deletion threshold
/// (<c>delete-threshold</c> 500, <c>delete-threshold-percent</c> 20); above it none is, the list goes to
/// <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c> and the run ends "needs attention" until
/// <c>dxmig run JOB --confirm-deletes RUNID</c>. Permissions gone from the lists are not removed here.
/// </summary>
public sealed class MobileDevicesJobKind : JobKind<MobileDevicesJobSettings>, IReconcilableKind<MobileDevicesJobSettings>, ISizedKind<MobileDevicesJobSettings>, Doctor.IDoctorableKind<MobileDevicesJobSettings>
{
    public const string SourceType = "mobile-work-csv";

    public override string Name => "mobile-devices";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["device-fields"] = false,
        ["permission-fields"] = false,
        ["groups"] = true,
    };

    public override MobileDevicesJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var source = job.Source;
        source.CheckKeys("type", "devices", "permissions", "encoding");
        source.Choice("type", [SourceType]);
        if (!source.Has("type"))
        {
            diagnostics.Error(source.Position, $"'source.type' がありません ({SourceType})", $"'source.type' is missing ({SourceType})");
        }

        var encodingName = source.Choice("encoding", CsvEncoding.Names, "auto");
        var devices = TeleworkGroupsJobKind.Files(source, "devices", diagnostics);
        var permissions = TeleworkGroupsJobKind.Files(source, "permissions", diagnostics);
        var target = job.Target;
        target.CheckKeys("type", "store", "password-env", "password-file", "store-tls", "intune-import", "delete-threshold", "delete-threshold-percent");
        var threshold = target.Number("delete-threshold", 0, 1_000_000) ?? DeletionSafety.DefaultMaxCount;
        var percent = target.Number("delete-threshold-percent", 0, 100) ?? DeletionSafety.DefaultMaxPercent;
        target.Choice("type", [StaffJobKind.TargetType, "platform-store"]);
        var (store, password) = PlatformStoreTarget.Read(job, target, diagnostics);
        GraphTargetSettings? intune = null;
        if (target.Section("intune-import") is { } beta)
        {
            beta.CheckKeys([.. GraphTargetReader.Keys.Where(k => k != "type"), "enabled"]);
            if (beta.Flag("enabled") == true)
            {
                intune = GraphTargetReader.Read(beta);
            }
        }

        var deviceMap = job.Mappings.TryGetValue("device-fields", out var d)
            ? MobileFieldMap.Load(d.Path, MobileFieldMap.DeviceFields, diagnostics) : MobileFieldMap.DefaultDevices;
        var permissionMap = job.Mappings.TryGetValue("permission-fields", out var p)
            ? MobileFieldMap.Load(p.Path, MobileFieldMap.PermissionFields, diagnostics) : MobileFieldMap.DefaultPermissions;
        var groups = job.Mappings.TryGetValue("groups", out var g) ? TeleworkGroupMap.Load(g.Path, diagnostics) : null;
        if (deviceMap is not null && permissionMap is not null && groups is not null && encodingName is not null && devices.Count == 1 && permissions.Count > 0)
        {
            return new MobileDevicesJobSettings(
                new MobileSourceOptions(devices[0], permissions, CsvEncoding.Parse(encodingName), deviceMap, permissionMap), groups, store, password, intune, threshold, percent);
        }
        else if (devices.Count > 1)
        {
            diagnostics.Error(source.PositionOf("devices"), "'source.devices' は 1 ファイルにしてください", "'source.devices' must be one file");
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, MobileDevicesJobSettings settings) => [MobileCsvExtractor.DevicesAccount, MobileCsvExtractor.PermissionsAccount];

    public Task<IReconciler> CreateReconcilerAsync(JobContext<MobileDevicesJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new MobileDevicesReconciler(settings, job, loggers, request.Time));
    }

    public override async Task<RunResult> RunAsync(JobContext<MobileDevicesJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var ledgerLocation = job.LedgerLocation();
        await using var ledger = await JobLedger.OpenAsync(ledgerLocation, request.Time, stopToken);
        await using var store = await PlatformMobileLoader.OpenAsync(
            StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment)), request.Time, stopToken);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = PendingDeletions.Safety(folder, settings.DeleteThreshold, settings.DeleteThresholdPercent, request.ConfirmDeletes);
        var devices = new List<DeviceRecord>();
        var loader = new RecordingLoader(store, devices);
        var runner = new PipelineRunner<MobileEntry, MobileRecord>(
            new MobileCsvExtractor(settings.Source with { DeviceRemovals = safety }, loggers.CreateLogger<MobileCsvExtractor>()),
            new MobileTransformer(name => settings.Groups.System(name)?.Key),
            loader, ledger, loggers.CreateLogger("dxmig.run"), request.Time);
        var result = await runner.RunAsync(
            request.RunSettings(job, request.Accounts.Count > 0 ? request.Accounts : ListAccounts(job, settings)),
            observer,
            stopToken);
        PendingDeletions.Report(job, result, safety, folder, "asset_number", loggers);
        if (request.DryRun || result.Run.Outcome is RunOutcome.Failed or RunOutcome.Stopped)
        {
            return result;
        }

        var conflicts = Conflicts(await MobileRules.CheckAsync(store.Location, JapanTime.Today(request.Time), stopToken));
        if (settings.Intune is { } intune && devices.Count > 0)
        {
            // BETA: Microsoft Graph /beta (subject to change). Only devices loaded in this run (new or changed) are sent.
            var options = intune.Resolve(job.Environment);
            using var session = new GraphSession(options with { BaseUrl = new Uri(options.BaseUrl.ToString().Replace("/v1.0", "/beta", StringComparison.Ordinal)) });
            await using var uploader = new GraphDeviceIdentityUploader(session, loggers.CreateLogger<GraphDeviceIdentityUploader>(), request.Time);
            foreach (var refused in await uploader.UploadAsync(devices, stopToken))
            {
                conflicts.Add(new ReportConflict("intune-import-refused", refused, $"Intune が企業デバイス ID を受け付けませんでした / Intune did not take the corporate identifier: {refused}"));
            }
        }

        MobileConflicts.Report(Path.Combine(job.LogFolder, job.Name), result.Run, conflicts);
        return result;
    }

    /// <summary>The conflicts the store holds now (<see cref="MobileRules"/>, read from the store, not from this run's items).</summary>
    internal static List<ReportConflict> Conflicts(MobileRuleFindings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var conflicts = new List<ReportConflict>();
        if (findings.StaffDirectoryEmpty)
        {
            conflicts.Add(new ReportConflict("staff-directory-empty", "staff",
                "職員録 (staff テーブル) が空のため、貸出先・許可対象者の在籍確認ができません。先に cess-staff ジョブを実行してください / " +
                "the staff directory (staff table) is empty: lent-to and permitted people cannot be checked; run the cess-staff job first"));
        }

        foreach (var d in findings.LentToUnknownPeople)
        {
            conflicts.Add(new ReportConflict("lent-to-unknown-person", d.AssetNumber,
                $"{d.SourceLocation}: 端末 {d.AssetNumber} の貸出先 {d.LentTo} は職員録にいません / {d.SourceLocation}: device {d.AssetNumber} is lent to {d.LentTo}, who is not in the staff directory"));
        }

        foreach (var p in findings.PermissionsForUnknownPeople)
        {
            conflicts.Add(new ReportConflict("permission-unknown-person", $"{p.EmployeeId}/{p.SystemKey}",
                $"{p.SourceLocation}: 許可 ({p.SystemKey}) の対象者 {p.EmployeeId} は職員録にいません / {p.SourceLocation}: the permission ({p.SystemKey}) is for {p.EmployeeId}, who is not in the staff directory"));
        }

        foreach (var sim in findings.SimsInSeveralDevices)
        {
            var holders = string.Join(", ", sim.AssetNumbers);
            conflicts.Add(new ReportConflict("sim-in-two-devices", sim.Iccid,
                $"SIM {sim.Iccid} が {sim.Devices} 台の端末に入っています ({holders}) / SIM {sim.Iccid} is in {sim.Devices} devices ({holders})"));
        }

        foreach (var d in findings.LendingPeriodsOver)
        {
            conflicts.Add(new ReportConflict("lending-period-over", d.AssetNumber,
                $"{d.SourceLocation}: 端末 {d.AssetNumber} は貸出期間 ({d.LentUntil} まで) を過ぎても {d.LentTo} に貸出中です / {d.SourceLocation}: device {d.AssetNumber} is still lent to {d.LentTo} after its lending period ended ({d.LentUntil})"));
        }

        return conflicts;
    }

    /// <summary>Passes batches to the store and keeps the devices it loaded (for the optional Intune upload).</summary>
    private sealed class RecordingLoader(PlatformMobileLoader inner, List<DeviceRecord> devices) : ILoader<MobileRecord>
    {
        public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<MobileRecord>> batch, CancellationToken cancellationToken)
        {
            var outcomes = await inner.LoadAsync(account, batch, cancellationToken);
            devices.AddRange(batch.Where(r => !r.Removal).Select(r => r.Item).OfType<DeviceRecord>());
            return outcomes;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public async Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<MobileDevicesJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var source = context.Settings.Source;
        return
        [
            await SourceSizes.CsvFilesAsync(MobileCsvExtractor.DevicesAccount, [source.DeviceFile], cancellationToken),
            await SourceSizes.CsvFilesAsync(MobileCsvExtractor.PermissionsAccount, source.PermissionFiles, cancellationToken),
        ];
    }

    public TargetRate RateOf(JobContext<MobileDevicesJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SourceSizes.Store("platform-mobile", given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<MobileDevicesJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.MobileDevices(context, request);
}

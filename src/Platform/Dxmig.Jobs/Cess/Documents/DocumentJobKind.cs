using Dxmig.Extractors.Cess;
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
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Documents;

/// <summary>
/// <c>kind: cess-documents</c>: a CESS shared-documents export (文書共有: a folder tree and a metadata CSV) → each
/// owner's OneDrive, or one SharePoint document library (by drive id, or a site by id or <c>hostname:/path</c> with its
/// default or a named library) through Graph (<c>target.type: graph-drive</c>; with <c>store:</c> the metadata also goes
/// to the platform store with each drive item id), or the platform store alone (<c>target.type:
/// platform-documents</c>). Names SharePoint refuses are renamed by <c>mappings.names</c>, each rename recorded (ledger
/// note, platform store, <c>{logs}/{job}/renames-{RUNID}.csv</c>). Documents gone from the folder are removed within the
/// threshold; above it nothing is removed until <c>dxmig run JOB --confirm-deletes RUNID</c>.
/// </summary>
public sealed class DocumentJobKind : JobKind<DocumentJobSettings>, IReconcilableKind<DocumentJobSettings>, ISizedKind<DocumentJobSettings>, Doctor.IDoctorableKind<DocumentJobSettings>
{
    public const string SourceType = "cess-documents";
    public const string DriveType = "graph-drive";
    public const string StoreType = "platform-documents";
    public const string DefaultAccount = "cess";

    public override string Name => "cess-documents";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["identity"] = true,
        ["names"] = false,
    };

    public override DocumentJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var source = job.Source;
        source.CheckKeys("type", "folder", "metadata", "encoding", "account");
        source.Choice("type", [SourceType]);
        if (!source.Has("type"))
        {
            diagnostics.Error(source.Position, $"'source.type' がありません ({SourceType})", $"'source.type' is missing ({SourceType})");
        }

        var encodingName = source.Choice("encoding", CsvEncoding.Names, "auto");
        var account = source.Value("account") ?? DefaultAccount;
        var folder = source.Value("folder", required: true) is { } f ? source.ResolvePath(f) : null;
        if (folder is not null && !Directory.Exists(folder))
        {
            source.SourceMissing(source.PositionOf("folder"), $"フォルダー {folder} がありません", $"folder {folder} does not exist");
        }

        var metadata = source.Value("metadata", required: true) is { } m ? source.ResolvePath(m) : null;
        if (metadata is not null && !File.Exists(metadata))
        {
            source.SourceMissing(source.PositionOf("metadata"), $"ファイル {metadata} がありません", $"file {metadata} does not exist");
        }

        var target = job.Target;
        var targetType = target.Choice("type", [DriveType, StoreType]);
        if (!target.Has("type"))
        {
            diagnostics.Error(target.Position, $"'target.type' がありません ({DriveType} か {StoreType})", $"'target.type' is missing ({DriveType} or {StoreType})");
        }

        GraphTargetSettings? graph = null;
        DriveTarget? drive = null;
        string? store = null;
        SecretReference? storePassword = null;
        if (targetType == DriveType)
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "drive", "drive-id", "site", "site-id", "library", "folder", "store", "password-env", "password-file", "store-tls", "delete-threshold", "delete-threshold-percent"]);
            graph = GraphTargetReader.Read(target);
            drive = ReadDrive(target, diagnostics);
            if (target.Has("store"))
            {
                (store, storePassword) = PlatformStoreTarget.Read(job, target, diagnostics);
            }
        }
        else
        {
            target.CheckKeys("type", "store", "password-env", "password-file", "store-tls", "delete-threshold", "delete-threshold-percent");
            (store, storePassword) = PlatformStoreTarget.Read(job, target, diagnostics);
        }

        var threshold = target.Number("delete-threshold", 0, 1_000_000) ?? DeletionSafety.DefaultMaxCount;
        var percent = target.Number("delete-threshold-percent", 0, 100) ?? DeletionSafety.DefaultMaxPercent;
        var fieldMap = job.Mappings.TryGetValue("fields", out var fieldsRef) ? DocumentFieldMap.Load(fieldsRef.Path, diagnostics) : DocumentFieldMap.Default;
        var owners = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics) : null;
        var names = job.Mappings.TryGetValue("names", out var namesRef) ? SharePointNames.Load(namesRef.Path, diagnostics) : SharePointNames.Default;
        if (fieldMap is not null && owners is not null && names is not null && encodingName is not null && folder is not null && metadata is not null &&
            (targetType != DriveType || (graph is not null && drive is not null)))
        {
            return new DocumentJobSettings(
                folder, metadata, account, CsvEncoding.Parse(encodingName), fieldMap, owners, names, drive, graph, store, storePassword, threshold, percent);
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, DocumentJobSettings settings) => [settings.Account];

    public override async Task<RunResult> RunAsync(JobContext<DocumentJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = PendingDeletions.Safety(folder, settings.DeleteThreshold, settings.DeleteThresholdPercent, request.ConfirmDeletes);
        await using var loader = new RenameListLoader(await OpenLoaderAsync(job, settings, loggers, request.Time, stopToken));
        var extractor = new DocumentFolderExtractor(Source(settings, safety), loggers.CreateLogger<DocumentFolderExtractor>());
        var transformer = new DocumentTransformer(settings.Owners, settings.Names, settings.TargetFolder);
        var result = await RecordJobRun.RunAsync(job, request, extractor, transformer, loader, observer, loggers, stopToken);
        PendingDeletions.Report(job, result, safety, folder, "source_path", loggers);
        if (loader.Write(folder, result.Run.RunId) is { } renames)
        {
            loggers.CreateLogger("dxmig.run").LogInformation(
                "名前を変えた文書 {Count} 件 / documents renamed for SharePoint: {File}", loader.Count, renames);
        }

        return result;
    }

    public Task<IReconciler> CreateReconcilerAsync(JobContext<DocumentJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new DocumentReconciler(settings, job, Source(settings, null), loggers, request.Time));
    }

    /// <summary>The extractor's options: the target path of each file comes from the same name rules the transformer uses.</summary>
    internal static DocumentSourceOptions Source(DocumentJobSettings settings, DeletionSafety? safety) => new(
        settings.Folder, settings.Metadata, settings.Encoding, settings.FieldMap, path => settings.Names.Apply(path, settings.TargetFolder).Path, safety);

    private static async Task<ILoader<DocumentRecord>> OpenLoaderAsync(JobFile job, DocumentJobSettings settings, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ILoader<DocumentRecord>? store = settings.Store is { } s
            ? await PlatformDocumentLoader.OpenAsync(StoreLocation.Parse(s, job.Directory, settings.StorePassword?.Resolve(job.Environment)), time, cancellationToken)
            : null;
        if (settings.Graph is not { } graph || settings.Drive is not { } drive)
        {
            return store!;
        }

        var resumeFile = Path.Combine(DxmigHome.Resolve(job.Environment), "state", job.Name, "upload-sessions.json");
        var driveLoader = new GraphDriveLoader(graph.Resolve(job.Environment), drive with { ResumeFile = resumeFile }, loggers.CreateLogger<GraphDriveLoader>(), time);
        return store is null ? driveLoader : new DocumentLoaderChain(driveLoader, store);
    }

    /// <summary>
    /// <c>drive: owner</c> (each owner's OneDrive), <c>drive: drive</c> with <c>drive-id</c>, or <c>drive: site</c>
    /// with <c>site</c> (an id <c>hostname,guid,guid</c>, <c>hostname:/path</c> or the site's https URL; <c>site-id</c>
    /// is the older name of the same key) and optionally <c>library</c>. A key that belongs to another choice is
    /// reported where it stands, not ignored.
    /// </summary>
    private static DriveTarget? ReadDrive(JobSection target, DiagnosticBag diagnostics)
    {
        var kind = target.Choice("drive", ["owner", "drive", "site"], "owner");
        var siteKey = target.Has("site-id") && !target.Has("site") ? "site-id" : "site";
        if (target.Has("site-id") && target.Has("site"))
        {
            diagnostics.Error(target.PositionOf("site-id"), "'target.site' と 'target.site-id' は同じ設定です。どちらか一方だけを書いてください",
                "'target.site' and 'target.site-id' are the same setting; write only one of them");
        }

        foreach (var (key, belongs) in new[] { ("drive-id", "drive"), (siteKey, "site"), ("library", "site") })
        {
            if (target.Has(key) && kind is not null && kind != belongs)
            {
                diagnostics.Error(target.PositionOf(key), $"'target.{key}' は drive: {belongs} のときだけ使えます (いまは drive: {kind})",
                    $"'target.{key}' goes only with drive: {belongs} (this target has drive: {kind})");
            }
        }

        var id = kind switch
        {
            "drive" => target.Value("drive-id", required: true),
            "site" => target.Value(siteKey, required: true),
            _ => null,
        };
        var library = kind == "site" ? target.Value("library") : null;
        if (library is not null && library.Trim().Length == 0)
        {
            diagnostics.Error(target.PositionOf("library"), "'target.library' が空です (既定のライブラリなら書かないでください)",
                "'target.library' is empty (leave it out for the site's default library)");
            library = null;
        }

        if (kind == "site" && id is not null && !DriveLocator.IsSiteId(id) && DriveLocator.SitePath(id) is null)
        {
            diagnostics.Error(target.PositionOf(siteKey),
                $"'target.{siteKey}' の値 '{id}' はサイトを指していません。サイト ID (ホスト名,サイトコレクションID,WebID)、ホスト名:/パス (pref.sharepoint.com:/sites/somu) か https の URL で書いてください",
                $"'target.{siteKey}' value '{id}' does not name a site; write a site id (hostname,siteCollectionId,webId), hostname:/path (pref.sharepoint.com:/sites/somu) or its https URL");
            id = null;
        }

        var folder = (target.Value("folder") ?? string.Empty).Replace('\\', '/').Trim('/');
        if (folder.Length > 0 && SharePointNames.Default.Apply(folder).Renames.Count > 0)
        {
            diagnostics.Error(target.PositionOf("folder"),
                $"'target.folder' に SharePoint が受け付けない名前があります: {folder}", $"'target.folder' holds a name SharePoint refuses: {folder}");
        }

        return kind is null || (kind != "owner" && id is null)
            ? null
            : new DriveTarget
            {
                Kind = kind switch { "drive" => DriveKind.Drive, "site" => DriveKind.Site, _ => DriveKind.Owner },
                Id = id?.Trim(),
                Library = library?.Trim(),
                Folder = folder,
            };
    }

    public Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<DocumentJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReadOnlyList<SourceSize>>([SourceSizes.Folder(context.Settings.Account, context.Settings.Folder)]);
    }

    public TargetRate RateOf(JobContext<DocumentJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Settings.Graph is not null ? SourceSizes.Graph(given) : SourceSizes.Store("platform-documents", given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<DocumentJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.Documents(context, request);
}

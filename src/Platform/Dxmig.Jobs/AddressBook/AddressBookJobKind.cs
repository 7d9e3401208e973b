using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Jobs.Common;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.AddressBook;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.AddressBook;

/// <summary>
/// <c>kind: addressbook</c>: Active! Mail personal address-book exports (one CSV per account) → the platform store's
/// contacts table, or each owner's Outlook contacts through Microsoft Graph (<c>target: type: graph</c>). Contacts gone
/// from an export are removed from the store or from Outlook within the deletion threshold, counted over the whole run
/// (<c>delete-threshold</c> 500, <c>delete-threshold-percent</c> 20; see <see cref="AddressBookRemovals"/>); above it
/// none is, the list goes to <c>{logs}/{job}/pending-deletions-{RUNID}.csv</c> and the run ends "needs attention"
/// until <c>dxmig run JOB --confirm-deletes RUNID</c>. A missing or empty export is "not read", never "all removed".
/// </summary>
public sealed class AddressBookJobKind : JobKind<AddressBookJobSettings>, IReconcilableKind<AddressBookJobSettings>, ISizedKind<AddressBookJobSettings>, Doctor.IDoctorableKind<AddressBookJobSettings>
{
    public const string SourceType = "activemail-addressbook-csv";
    public const string TargetType = "platform-contacts";
    public const string GraphType = "graph";

    public override string Name => "addressbook";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["fields"] = false,
        ["identity"] = false,
        ["gaiji"] = false,
    };

    public override AddressBookJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var source = job.Source;
        source.CheckKeys("type", "encoding", "files", "directory", "pattern");
        source.Choice("type", [SourceType]);
        if (!source.Has("type"))
        {
            diagnostics.Error(source.Position, $"'source.type' がありません ({SourceType})", $"'source.type' is missing ({SourceType})");
        }

        var encodingName = source.Choice("encoding", CsvEncoding.Names, "auto");
        var files = ReadFiles(source, diagnostics);

        var target = job.Target;
        var targetType = target.Choice("type", [TargetType, GraphType]);
        if (!target.Has("type"))
        {
            diagnostics.Error(target.Position, $"'target.type' がありません ({TargetType} か {GraphType})", $"'target.type' is missing ({TargetType} or {GraphType})");
        }

        GraphTargetSettings? graph = null;
        var store = string.Empty;
        SecretReference? storePassword = null;
        if (targetType == GraphType)
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "contact-folder", "delete-threshold", "delete-threshold-percent"]);
            graph = GraphTargetReader.Read(target);
            if (graph is not null && target.Value("contact-folder") is { Length: > 0 } folder)
            {
                graph = graph with { Options = graph.Options with { ContactFolderName = folder } };
            }

            if (!job.Mappings.ContainsKey("identity"))
            {
                diagnostics.Error(target.Position,
                    "Graph に連絡先を入れるには ID マップ (mappings.identity: source,target) が必要です",
                    "loading contacts into Graph needs an identity map (mappings.identity: source,target)");
            }
        }
        else
        {
            target.CheckKeys("type", "store", "password-env", "password-file", "store-tls", "delete-threshold", "delete-threshold-percent");
            (store, storePassword) = PlatformStoreTarget.Read(job, target, diagnostics);
        }

        var threshold = target.Number("delete-threshold", 0, 1_000_000) ?? DeletionSafety.DefaultMaxCount;
        var percent = target.Number("delete-threshold-percent", 0, 100) ?? DeletionSafety.DefaultMaxPercent;

        var fieldMap = job.Mappings.TryGetValue("fields", out var fieldsRef)
            ? AddressBookFieldMap.Load(fieldsRef.Path, diagnostics)
            : AddressBookFieldMap.Default;
        var identities = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics) : null;
        var gaiji = job.Mappings.TryGetValue("gaiji", out var gaijiRef) ? GaijiMap.Load(gaijiRef.Path, diagnostics) : GaijiMap.Empty;

        if (identities is not null)
        {
            foreach (var account in files.Keys.Where(a => !identities.Contains(a)))
            {
                diagnostics.Warning(identityRef!.Position,
                    $"アカウント {account} が ID マップにありません (実行時にこのアカウントは失敗します)",
                    $"account {account} is not in the identity map (it will fail at run time)");
            }
        }

        if (fieldMap is not null && gaiji is not null && encodingName is not null)
        {
            return new AddressBookJobSettings(files, CsvEncoding.Parse(encodingName), fieldMap, identities, gaiji, store, storePassword, graph, threshold, percent);
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, AddressBookJobSettings settings) => [.. settings.Files.Keys.Order(StringComparer.Ordinal)];

    public override async Task<RunResult> RunAsync(JobContext<AddressBookJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var ledgerLocation = job.LedgerLocation();
        await using var ledger = await JobLedger.OpenAsync(ledgerLocation, request.Time, stopToken);
        var folder = Path.Combine(job.LogFolder, job.Name);
        var safety = PendingDeletions.Safety(folder, settings.DeleteThreshold, settings.DeleteThresholdPercent, request.ConfirmDeletes);
        var accounts = request.Accounts.Count > 0 ? request.Accounts : ListAccounts(job, settings);

        // The whole job is run: an account the ledger knows whose export is gone is run too, to say so.
        var wholeJob = accounts.ToHashSet(StringComparer.Ordinal).SetEquals(ListAccounts(job, settings));
        var plan = await AddressBookRemovals.PlanAsync(
            job.Name, settings, accounts, wholeJob, ledger, safety, loggers.CreateLogger<AddressBookCsvExtractor>(), stopToken, job.Parallelism);
        await using ILoader<ContactRecord> loader = settings.Graph is { } graph
            ? new GraphContactsLoader(graph.Resolve(job.Environment), loggers.CreateLogger<GraphContactsLoader>(), request.Time)
            : await PlatformContactsLoader.OpenAsync(
                StoreLocation.Parse(settings.Store, job.Directory, settings.StorePassword?.Resolve(job.Environment)), request.Time, stopToken);
        var extractor = new AddressBookCsvExtractor(
            new AddressBookSourceOptions(settings.Files, settings.Encoding, settings.FieldMap, plan),
            loggers.CreateLogger<AddressBookCsvExtractor>());
        var transformer = new AddressBookTransformer(settings.Identities, settings.Gaiji);
        var runner = new PipelineRunner<AddressBookEntry, ContactRecord>(
            extractor, transformer, loader, ledger, loggers.CreateLogger("dxmig.run"), request.Time);
        var result = await runner.RunAsync(
            request.RunSettings(job, [.. accounts.Concat(plan.NotRead).Distinct(StringComparer.Ordinal)], parallelism: job.Parallelism),
            observer,
            stopToken);
        PendingDeletions.Report(job, result, safety, folder, "account/contact", loggers);
        return result;
    }

    public Task<IReconciler> CreateReconcilerAsync(JobContext<AddressBookJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new AddressBookReconciler(settings, job, loggers, request.Time));
    }


    private static Dictionary<string, string> ReadFiles(JobSection source, DiagnosticBag diagnostics)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in source.SectionList("files"))
        {
            entry.CheckKeys("account", "path");
            var account = entry.Value("account", required: true);
            var path = entry.Value("path", required: true);
            if (account is null || path is null)
            {
                continue;
            }

            var full = entry.ResolvePath(path);
            if (!File.Exists(full))
            {
                entry.SourceMissing(entry.PositionOf("path"), $"ファイル {path} がありません ({full})", $"file {path} does not exist ({full})");
            }

            if (!files.TryAdd(account, full))
            {
                diagnostics.Error(entry.PositionOf("account"), $"アカウント {account} が二度書かれています", $"account {account} is listed twice");
            }
        }

        var directory = source.Value("directory");
        if (directory is not null)
        {
            var pattern = source.Value("pattern") ?? "*.csv";
            var full = source.ResolvePath(directory);
            if (!Directory.Exists(full))
            {
                source.SourceMissing(source.PositionOf("directory"), $"フォルダ {directory} がありません ({full})", $"folder {directory} does not exist ({full})");
            }
            else
            {
                foreach (var file in Directory.EnumerateFiles(full, pattern).Order(StringComparer.Ordinal))
                {
                    var account = Path.GetFileNameWithoutExtension(file);
                    if (!files.TryAdd(account, file))
                    {
                        diagnostics.Error(source.PositionOf("directory"), $"アカウント {account} のファイルが二つあります", $"account {account} has two files");
                    }
                }
            }
        }
        else if (source.Has("pattern"))
        {
            diagnostics.Error(source.PositionOf("pattern"), "'pattern' は 'directory' と一緒に使います", "'pattern' goes with 'directory'");
        }

        if (!source.Has("files") && directory is null)
        {
            diagnostics.Error(source.Position, "'source.files' か 'source.directory' でアドレス帳ファイルを指定してください", "name the address book exports with 'source.files' or 'source.directory'");
        }

        return files;
    }

    public async Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<AddressBookJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sizes = new List<SourceSize>();
        foreach (var (account, path) in context.Settings.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            sizes.Add(await SourceSizes.CsvFilesAsync(account, [path], cancellationToken));
        }

        return sizes;
    }

    public TargetRate RateOf(JobContext<AddressBookJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Settings.Graph is not null ? SourceSizes.Graph(given) : SourceSizes.Store(TargetType, given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<AddressBookJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.AddressBook(context, request);
}

using Dxmig.Jobs.Common;
using Dxmig.Platform.Scheduling;
using System.Text.RegularExpressions;
using Dxmig.Extractors.Imap;
using Dxmig.Loaders.Exchange;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.Imap;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Contracts.Records;
using Dxmig.Transformers.Mail;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Mail;

/// <summary>
/// <c>kind: mail</c>: Active! Mail mailboxes on an IMAP server → another IMAP server (through the admin credential on
/// both sides) or Exchange Online through Microsoft Graph (<c>target: type: graph</c>), every mailbox in the identity
/// map (<c>source,target</c>).
/// </summary>
public sealed class MailJobKind : JobKind<MailJobSettings>, IReconcilableKind<MailJobSettings>, ISizedKind<MailJobSettings>, Doctor.IDoctorableKind<MailJobSettings>
{
    public override string Name => "mail";

    public override IReadOnlyDictionary<string, bool> MappingNames { get; } = new Dictionary<string, bool>
    {
        ["identity"] = true,
        ["folders"] = false,
    };

    public override MailJobSettings? Read(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(job);
        var source = job.Source;
        source.CheckKeys([.. ImapEndpointReader.Keys, "skip-folders", "max-message-size", "max-age-days", "deletions", "deletion-threshold", "deletion-threshold-percent", "fetch-batch"]);
        source.Choice("type", ["imap"]);
        var sourceEndpoint = ImapEndpointReader.Read(source);
        var skip = new List<FolderSkipRule>();
        foreach (var rule in source.SectionList("skip-folders"))
        {
            rule.CheckKeys("rule", "match");
            var name = rule.Value("rule", required: true);
            var match = rule.Value("match", required: true);
            if (name is null || match is null)
            {
                continue;
            }

            try
            {
                skip.Add(new FolderSkipRule(name, new Regex(match, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))));
            }
            catch (ArgumentException ex)
            {
                diagnostics.Error(rule.PositionOf("match"), $"正規表現が不正です: {ex.Message}", $"not a valid regular expression: {ex.Message}");
            }
        }

        var maxSize = source.Number("max-message-size", 1, int.MaxValue);
        var maxAge = source.Number("max-age-days", 1, 36500);
        var deletions = source.Choice("deletions", ["keep", "mirror"], ImapSourceOptions.DefaultDeletions == DeletionPolicy.Mirror ? "mirror" : "keep");
        var threshold = source.Number("deletion-threshold-percent", 0, 100) ?? ImapSourceOptions.DefaultDeletionThresholdPercent;
        var thresholdCount = source.Number("deletion-threshold", 0, 10_000_000) ?? MailDeletionGuard.DefaultMaxCount;
        var fetchBatch = source.Number("fetch-batch", 1, 1000) ?? ImapSourceOptions.DefaultFetchBatch;

        var target = job.Target;
        var targetType = target.Choice("type", ["imap", "graph", "exo-imap"]);
        ImapEndpointSettings? targetEndpoint = null;
        GraphTargetSettings? graph = null;
        GraphTargetSettings? exchangeApp = null;
        var appendBatch = ImapTargetOptions.DefaultAppendBatch;
        long? targetMax = null;
        var routeImapFirst = false;
        long imapMax = GraphTargetOptions.DefaultMaxMessageSize;
        if (targetType == "graph")
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "repair-8bit-headers"]);
            graph = GraphTargetReader.Read(target);
        }
        else if (targetType == "exo-imap")
        {
            target.CheckKeys([.. GraphTargetReader.Keys, "host", "port", "security", "imap-certificate-sha256", "repair-8bit-headers", "route", "imap-max-message-size"]);
            exchangeApp = GraphTargetReader.Read(target);
            targetEndpoint = ImapEndpointReader.ReadServer(target, "outlook.office365.com", "imap-certificate-sha256");
            // Exchange Online's limit is 35 MB unless the tenant raised it (at most 150 MB).
            targetMax = target.Number("max-message-size", 1, 150 * 1024 * 1024) ?? GraphTargetOptions.DefaultMaxMessageSize;
            routeImapFirst = target.Choice("route", ["imap-only", "imap-first"], "imap-only") == "imap-first";
            imapMax = target.Number("imap-max-message-size", 1, 150 * 1024 * 1024) ?? GraphTargetOptions.DefaultMaxMessageSize;
        }
        else
        {
            target.CheckKeys([.. ImapEndpointReader.Keys, "append-batch", "max-message-size", "repair-8bit-headers"]);
            targetEndpoint = ImapEndpointReader.Read(target);
            appendBatch = target.Number("append-batch", 1, 500) ?? ImapTargetOptions.DefaultAppendBatch;
        }

        targetMax ??= targetType == "imap" ? target.Number("max-message-size", 1, int.MaxValue) : null;
        var repair = target.Flag("repair-8bit-headers") ?? false;

        var identities = job.Mappings.TryGetValue("identity", out var identityRef) ? IdentityMap.Load(identityRef.Path, diagnostics, requireAddress: false) : null;
        var folders = job.Mappings.TryGetValue("folders", out var foldersRef) ? FolderMap.Load(foldersRef.Path, diagnostics) : FolderMap.Default;
        if (sourceEndpoint is not null && (targetEndpoint is not null || graph is not null) && (targetType != "exo-imap" || exchangeApp is not null)
            && identities is not null && folders is not null && deletions is not null)
        {
            return new MailJobSettings(
                sourceEndpoint, targetEndpoint, graph, identities, folders, skip, maxSize, maxAge,
                deletions == "mirror" ? DeletionPolicy.Mirror : DeletionPolicy.Keep, threshold, fetchBatch, appendBatch, targetMax, repair)
            {
                ExchangeApp = exchangeApp,
                DeletionThreshold = thresholdCount,
                RouteImapFirst = routeImapFirst,
                ImapMaxMessageSize = imapMax,
            };
        }

        return null;
    }

    public override IReadOnlyList<string> ListAccounts(JobFile job, MailJobSettings settings) => [.. settings.Identities.SourceAccounts];

    public override async Task<RunResult> RunAsync(JobContext<MailJobSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var ledgerLocation = job.LedgerLocation();
        var temporary = Path.Combine(DxmigHome.Resolve(job.Environment), "tmp", job.Name);
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true); // bodies left by a run that died
        }

        var now = request.Time.GetUtcNow();
        var pendingFolder = Path.Combine(job.LogFolder, job.Name);
        var guard = MailPendingDeletions.Guard(pendingFolder, settings.DeletionThreshold, settings.DeletionThresholdPercent, request.ConfirmDeletes);
        var extractor = new ImapMailExtractor(
            new ImapSourceOptions
            {
                Endpoint = settings.Source.Resolve(job.Environment),
                SkipFolders = settings.SkipFolders,
                MaxMessageSize = settings.MaxMessageSize,
                TargetMaxMessageSize = settings.TargetMaxMessageSize ?? settings.Graph?.Options.MaxMessageSize,
                NotBefore = settings.MaxAgeDays is { } days ? now.AddDays(-days) : null,
                Deletions = settings.Deletions,
                DeletionThresholdPercent = settings.DeletionThresholdPercent,
                Guard = guard,
                FetchBatch = settings.FetchBatch,
                TemporaryFolder = temporary,
            },
            loggers.CreateLogger<ImapMailExtractor>());
        var transformer = new MailTransformer(settings.Folders, settings.Identities, new MailTransformerOptions { MaxTargetMessageSize = settings.TargetMaxMessageSize, Repair8BitHeaders = settings.Repair8BitHeaders, RenameReserved = settings.ExchangeImap });
        await using var loader = CreateLoader(settings, job.Environment, loggers, request.Time);
        // Source logins run ahead of the accounts: the first ones while the ledger opens and the lease is taken.
        extractor.ConnectEarly(request.Accounts, job.Parallelism, stopToken);
        try
        {
            await using var ledger = await JobLedger.OpenAsync(ledgerLocation, request.Time, stopToken);
            var runner = new PipelineRunner<SourceMessage, TargetMessage>(extractor, transformer, loader, ledger, loggers.CreateLogger("dxmig.run"), request.Time);
            var result = await runner.RunAsync(
                request.RunSettings(job, parallelism: job.Parallelism) with { ChannelCapacity = Math.Min(job.ChannelCapacity, job.BatchSize * 2) },
                observer,
                stopToken);
            MailPendingDeletions.Report(job, result, guard, pendingFolder, loggers);
            return result;
        }
        finally
        {
            await extractor.DropEarlyConnectionsAsync();
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>The target's loader: Graph, IMAP (Exchange's or another server's), or IMAP first with Graph behind it.</summary>
    private static ILoader<TargetMessage> CreateLoader(MailJobSettings settings, Func<string, string?> environment, ILoggerFactory loggers, TimeProvider time)
    {
        if (settings.Graph is { } graph)
        {
            return new GraphMailLoader(graph.Resolve(environment), loggers.CreateLogger<GraphMailLoader>(), time);
        }

        var imap = new ImapMailLoader(
            new ImapTargetOptions
            {
                Endpoint = settings.ResolveTarget(environment),
                AppendBatch = settings.AppendBatch,
                FlaggedByStore = settings.ExchangeImap,
                KeptKeywords = settings.ExchangeImap ? MailJobSettings.ExchangeKeptKeywords : null,
            },
            loggers.CreateLogger<ImapMailLoader>());
        return settings.RouteImapFirst && settings.ExchangeApp is { } app
            ? new RoutingMailLoader(
                imap,
                new GraphMailLoader(app.Resolve(environment) with { NameMessagesWithoutId = true }, loggers.CreateLogger<GraphMailLoader>(), time),
                settings.ImapMaxMessageSize,
                loggers.CreateLogger<RoutingMailLoader>())
            : imap;
    }

    public Task<IReconciler> CreateReconcilerAsync(JobContext<MailJobSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (job, settings) = (context.File, context.Settings);
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReconciler>(new MailReconciler(settings, job.Environment, request.Deep, loggers, request.Time));
    }

    public Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<MailJobSettings> context, SizeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        return SourceSizes.MailboxesAsync(
            context.Settings.Source.Resolve(context.File.Environment), [.. context.Settings.Identities.SourceAccounts],
            folder => context.Settings.SkipFolders.Any(r => r.Pattern.IsMatch(folder)), request.UseStatusSize, context.File.Parallelism, cancellationToken);
    }

    public TargetRate RateOf(JobContext<MailJobSettings> context, GivenThroughput given)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Settings.Graph is not null ? SourceSizes.Graph(given) : SourceSizes.Imap(given);
    }

    public IEnumerable<Doctor.DoctorEndpoint> DoctorEndpoints(JobContext<MailJobSettings> context, Doctor.DoctorRequest request) => Doctor.KindDoctors.Mail(context, request);
}

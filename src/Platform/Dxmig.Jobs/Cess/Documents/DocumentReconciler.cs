using Dxmig.Jobs.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Documents;

/// <summary>
/// Shared documents: the export folder walked again through the run's own extractor and transformer (so a file is
/// where the run would put it, renames included) against the target: the drive listed folder by folder (children,
/// paged) below the job's folder (a SharePoint library found as the run finds it), or the platform store's
/// <c>documents</c> rows. Matched by target path (with the
/// owner's UPN for OneDrive per owner); size and quickXorHash compared (the store: size and SHA-256).
/// </summary>
public sealed class DocumentReconciler : IReconciler
{
    private readonly DocumentJobSettings settings;
    private readonly DocumentSourceOptions sourceOptions;
    private readonly DocumentFolderExtractor extractor;
    private readonly DocumentTransformer transformer;
    private readonly StoreReader? store;
    private readonly GraphSession? session;
    private readonly GraphReader? graph;
    private readonly ILogger logger;

    public DocumentReconciler(DocumentJobSettings settings, Platform.JobFiles.JobFile job, DocumentSourceOptions source, ILoggerFactory loggers, TimeProvider time)
    {
        this.settings = settings;
        sourceOptions = source;
        logger = loggers.CreateLogger("dxmig.reconcile.documents");
        extractor = new DocumentFolderExtractor(source, loggers.CreateLogger<DocumentFolderExtractor>());
        transformer = new DocumentTransformer(settings.Owners, settings.Names, settings.TargetFolder);
        SourceDescription = $"CESS 文書共有 / shared documents {settings.Folder} ({Path.GetFileName(settings.Metadata)})";
        if (settings.Graph is { } g && settings.Drive is { } drive)
        {
            session = new GraphSession(g.Resolve(job.Environment));
            graph = new GraphReader(new GraphEngine(session, loggers.CreateLogger("dxmig.reconcile.graph"), time));
            TargetDescription = $"Microsoft Graph {session.Options.BaseUrl} ({drive.Describe()} /{drive.Folder})";
        }
        else
        {
            store = new StoreReader(StoreLocation.Parse(settings.Store!, job.Directory, settings.StorePassword?.Resolve(job.Environment)));
            TargetDescription = $"platform store documents ({store.Location.ProviderName})";
        }
    }

    public string SourceDescription { get; }

    public string TargetDescription { get; }

    public IReadOnlyList<string> Compared => graph is null ? ["size", "sha256"] : ["size", "quickXorHash"];

    public long Requests => (store?.Queries ?? 0) + (graph?.Engine.HttpRequests ?? 0);

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            var decision = item.Problem is null ? transformer.Transform(item) : null;
            var doc = decision is { Targets.Count: > 0 } ? decision.Targets[0] : null;
            var identity = doc is null ? $"{item.Key.NativeId}" : Identity(doc.OwnerUpn, doc.TargetPath);
            yield return new ReconItem(Container(identity), identity)
            {
                Location = doc?.RenameNote is { } renamed ? $"{item.Location} [{renamed}]" : item.Location,
                Size = item.Size,
                Ref = item.Key.Ref,
                Fields = doc is null ? null : Fields(doc.Original.Size, graph is null ? doc.Original.Sha256 : doc.Original.QuickXorHash),
                Problem = item.Problem?.Code ?? decision?.Problem?.Code,
            };
        }
    }

    public IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken) =>
        graph is null ? ReadStoreAsync(cancellationToken) : ReadDrivesAsync(account, cancellationToken);

    public ValueTask DisposeAsync()
    {
        session?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Dictionary<string, string> Fields(long size, string hash) => new(StringComparer.Ordinal)
    {
        ["size"] = size.ToString(CultureInfo.InvariantCulture),
        ["hash"] = hash,
    };

    private static string Container(string identity) => identity.LastIndexOf('/') is var slash && slash > 0 ? identity[..slash] : "/";

    private string Identity(string upn, string targetPath) => settings.Drive?.Kind == DriveKind.Owner ? $"{upn}/{targetPath}" : targetPath;

    private async IAsyncEnumerable<ReconItem> ReadStoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in store!.DocumentsAsync(cancellationToken))
        {
            var identity = Identity(row.OwnerUpn, row.TargetPath);
            yield return new ReconItem(Container(identity), identity)
            {
                Location = PlatformDocumentLoader.StoreKey(row.SourcePath),
                Size = row.Size,
                Fields = Fields(row.Size, row.Sha256),
                TargetKey = PlatformDocumentLoader.StoreKey(row.SourcePath),
            };
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadDrivesAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var drive = settings.Drive!;
        var owners = drive.Kind == DriveKind.Owner ? await OwnersAsync(cancellationToken) : [string.Empty];
        var library = drive.Kind == DriveKind.Owner ? null : await DriveLocator.ResolveAsync(graph!.Engine, drive, cancellationToken);
        foreach (var upn in owners)
        {
            var driveBase = library ?? drive.DriveBase(upn);
            var start = await FolderAsync(driveBase, drive.Folder, cancellationToken);
            if (start is null)
            {
                continue;
            }

            var pending = new Stack<(string Id, string Path)>();
            pending.Push((start, string.Empty));
            while (pending.Count > 0)
            {
                var (id, path) = pending.Pop();
                await foreach (var child in graph!.ListAsync(driveBase, $"{driveBase}/items/{Uri.EscapeDataString(id)}/children?$top=200", cancellationToken))
                {
                    var name = child.GetProperty("name").GetString()!;
                    var childPath = path.Length == 0 ? name : $"{path}/{name}";
                    var childId = child.GetProperty("id").GetString()!;
                    if (child.TryGetProperty("folder", out _))
                    {
                        pending.Push((childId, childPath));
                        continue;
                    }

                    var hash = child.TryGetProperty("file", out var file) && file.TryGetProperty("hashes", out var hashes) &&
                               hashes.TryGetProperty("quickXorHash", out var q) ? q.GetString() ?? string.Empty : string.Empty;
                    var size = child.GetProperty("size").GetInt64();
                    var identity = Identity(upn, childPath);
                    yield return new ReconItem(Container(identity), identity)
                    {
                        Location = $"{driveBase}/items/{childId}",
                        Size = size,
                        Fields = Fields(size, hash),
                        TargetKey = $"graph-drive:{driveBase}/items/{childId}",
                    };
                }
            }
        }

        _ = account;
    }

    /// <summary>The id of the job's folder on a drive, or null when it is not there (nothing was loaded yet).</summary>
    private async Task<string?> FolderAsync(string driveBase, string folder, CancellationToken cancellationToken)
    {
        var root = await graph!.GetAsync(driveBase, $"{driveBase}/root", cancellationToken);
        var id = root?.GetProperty("id").GetString();
        foreach (var name in folder.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (id is null)
            {
                return null;
            }

            var next = await graph.GetAsync(driveBase, $"{driveBase}/items/{Uri.EscapeDataString(id)}:/{Uri.EscapeDataString(name)}", cancellationToken);
            id = next?.GetProperty("id").GetString();
        }

        return id;
    }

    /// <summary>The UPNs of the owners the metadata CSV names (only their OneDrives can hold the export's documents).</summary>
    private async Task<List<string>> OwnersAsync(CancellationToken cancellationToken)
    {
        var upns = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var export = await CsvExport.OpenAsync(
            sourceOptions.Metadata, sourceOptions.Encoding, sourceOptions.FieldMap.Fields, ("文書メタデータ", "document metadata CSV"), logger, cancellationToken);
        while (export is not null && await export.ReadAsync(cancellationToken) is { } record)
        {
            var owner = CsvRowDecoder.TryField(record, export.Columns["owner"], export.Encoding) is { } ownerField ? Dxmig.Contracts.Text.SourceText.Narrow(ownerField) : null;
            if (owner is { Length: > 0 } && settings.Owners.Contains(owner))
            {
                upns.Add(settings.Owners.TargetOf(owner));
            }
        }

        return [.. upns];
    }
}

using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Cess.Documents;

/// <summary>A generated CESS shared-documents export, the Graph emulator as the tenant, a <c>cess-documents</c> job file, and the store.</summary>
public sealed class DocumentHarness : IAsyncDisposable
{
    public const int Owners = 3;

    private readonly JobWorkspace cli = new();

    private DocumentHarness(Dxmig.GraphEmulator.GraphEmulator graph, string? store)
    {
        Graph = graph;
        Store = store ?? Path.Combine(cli.Folder, "state", "platform.db");
    }

    public Dxmig.GraphEmulator.GraphEmulator Graph { get; }

    public string Folder => Path.Combine(cli.Folder, "exports", "documents");

    public string Metadata => Path.Combine(cli.Folder, "exports", "documents.csv");

    public string Identity => Path.Combine(cli.Folder, "exports", "identity.csv");

    /// <summary>A SQLite path, or a PostgreSQL connection string.</summary>
    public string Store { get; }

    public string Logs => Path.Combine(cli.Folder, "logs", "test-documents");

    public string Home => Path.Combine(cli.Folder, "home");

    public static async Task<DocumentHarness> StartAsync(string? store = null) =>
        new(await Dxmig.GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. Enumerable.Range(0, Owners).Select(DocumentSamples.Upn)] }, CancellationToken.None), store);

    internal int Generate(DocumentSampleOptions options) => DocumentSamples.Write(Folder, Metadata, Identity, options);

    /// <summary>The job file; <paramref name="drive"/> is the target's drive choice and its keys, two spaces in after the first line.</summary>
    public string JobFile(string targetFolder = "CESS文書", string extraTarget = "", string drive = "drive: owner")
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        cli.Environment["DXMIG_GRAPH_SECRET"] = Graph.ClientSecret;
        cli.Environment["DXMIG_HOME"] = Home;
        return cli.Write("jobs/documents.yaml", $"""
            name: test-documents
            kind: cess-documents
            source:
              type: cess-documents
              folder: ../exports/documents
              metadata: ../exports/documents.csv
            target:
              type: graph-drive
              {drive}
              folder: {targetFolder}
              base-url: {Graph.BaseUrl}
              authority-host: {Graph.AuthorityHost}
              tenant-id: {Graph.TenantId}
              client-id: {Graph.ClientId}
              client-secret-env: DXMIG_GRAPH_SECRET
              certificate-sha256: {Graph.CertificateSha256}
              store: "{Store}"
            {extraTarget}
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/cess-document-fields.yaml
              names: {mappings}/sharepoint-names.yaml
              identity: ../exports/identity.csv
            logging:
              folder: ../logs
            """);
    }

    /// <summary>The folder, environment and clock the jobs run with.</summary>
    public JobWorkspace Workspace => cli;

    /// <summary><see cref="JobLayer.RunAsync"/> over this harness's workspace.</summary>
    public Task<JobRun> RunAsync(string job, string? confirmDeletes = null) => new JobLayer(cli).RunAsync(job, confirmDeletes: confirmDeletes);

    /// <summary><see cref="JobLayer.ReconcileAsync"/> over this harness's workspace.</summary>
    public Task<JobReconciliation> ReconcileAsync(string job, string? output = null) => new JobLayer(cli).ReconcileAsync(job, output);

    /// <summary>Every file on every owner's OneDrive, by "upn/path below the root".</summary>
    public Dictionary<string, StoredDriveItem> DriveFiles()
    {
        var files = new Dictionary<string, StoredDriveItem>(StringComparer.Ordinal);
        for (var owner = 0; owner < Owners; owner++)
        {
            var user = Graph.Store.FindUser(DocumentSamples.Upn(owner))!;
            foreach (var item in Graph.Store.Drives.Items(Graph.Store.Drives.UserDriveId(user, DateTimeOffset.UtcNow)).Where(i => !i.IsFolder))
            {
                files[$"{DocumentSamples.Upn(owner)}{item.Path}"] = item;
            }
        }

        return files;
    }

    public async Task<List<DocumentEntity>> DocumentsAsync()
    {
        await using var db = new DocumentDbContext(StoreContextFactory.CreateOptions<DocumentDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Documents.AsNoTracking().OrderBy(d => d.SourcePath).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Graph.DisposeAsync();
        cli.Dispose();
    }
}

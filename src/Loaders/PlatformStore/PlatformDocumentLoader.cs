using Dxmig.Platform.Contracts;
using Dxmig.Platform.Records;
using Dxmig.Platform.Storage;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Records shared documents' metadata in the platform store (<c>documents</c>: source path, renamed-to path and the
/// renames, owner, size, SHA-256 and quickXorHash, created and modified times, drive item id): each batch bulk-copied
/// into <c>documents_staging</c> and upserted by source path, leaving unchanged rows alone; removals deleted by source
/// path; one transaction per batch. Loading the same batch twice changes nothing. Returns <c>documents/{path}</c>.
/// </summary>
public sealed class PlatformDocumentLoader : ILoader<DocumentRecord>
{
    private static readonly string[] Columns =
    [
        "SourcePath", "TargetPath", "RenamedFrom", "OwnerEmployeeId", "OwnerUpn", "Title", "Size", "Sha256", "QuickXorHash",
        "DocumentCreatedUtc", "DocumentModifiedUtc", "DriveItemId", "ContentHash", "SourceLocation", "CreatedUtc", "UpdatedUtc",
    ];

    private static readonly string UpsertSql = StagedUpsert.Sql("documents", "documents_staging", Columns);

    private readonly DbContextOptions<DocumentDbContext> options;
    private readonly TimeProvider time;
    private readonly BulkCopyType bulkCopyType;
    private readonly SemaphoreSlim gate = new(1, 1);

    static PlatformDocumentLoader() => LinqToDBForEFTools.Initialize();

    private PlatformDocumentLoader(StoreLocation location, TimeProvider time)
    {
        options = StoreContextFactory.CreateOptions<DocumentDbContext>(location);
        this.time = time;
        bulkCopyType = location.Provider == StoreProvider.PostgreSql ? BulkCopyType.ProviderSpecific : BulkCopyType.MultipleRows;
    }

    /// <summary>Rows written by the last batch (inserted, changed or deleted).</summary>
    public int LastBatchWrites { get; private set; }

    /// <summary>Opens the store, creating the document tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformDocumentLoader> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var loader = new PlatformDocumentLoader(location, time);
        await using var db = loader.CreateContext();
        await SchemaBootstrap.EnsureAsync(db, DocumentDbContext.Component, DocumentDbContext.SchemaVersion, cancellationToken);
        return loader;
    }

    /// <summary>The store's key of a document.</summary>
    public static string TargetKey(string sourcePath) => $"documents/{sourcePath}";

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<DocumentRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var batchId = Guid.NewGuid().ToString("N");
            var now = time.GetUtcNow().UtcDateTime;
            var rows = batch.Where(r => !r.Removal)
                .GroupBy(r => r.Item.SourcePath, StringComparer.Ordinal)
                .Select(g => ToStaging(g.Last().Item, batchId, now))
                .ToList();
            var removals = batch.Where(r => r.Removal).Select(r => r.Item.SourcePath).Distinct(StringComparer.Ordinal).ToList();

            await using var db = CreateContext();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var dbTransaction = transaction.GetDbTransaction();
            var writes = await StagedUpsert.RunAsync(db, bulkCopyType, rows, UpsertSql, "documents_staging", batchId, dbTransaction, cancellationToken);
            foreach (var path in removals)
            {
                await using var delete = db.Database.GetDbConnection().Command("DELETE FROM documents WHERE \"SourcePath\" = @path", dbTransaction, ("path", (object?)path));
                writes += await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LastBatchWrites = writes;
            return [.. batch.Select(r => LoadOutcome.Loaded(TargetKey(r.Item.SourcePath)) with { Note = r.Item.RenameNote })];
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal DocumentDbContext CreateContext() => new(options);

    private static DocumentStagingEntity ToStaging(DocumentRecord doc, string batchId, DateTime now) => new()
    {
        BatchId = batchId,
        SourcePath = doc.SourcePath,
        TargetPath = doc.TargetPath,
        RenamedFrom = doc.RenameNote,
        OwnerEmployeeId = doc.OwnerEmployeeId,
        OwnerUpn = doc.OwnerUpn,
        Title = doc.Original.Title,
        Size = doc.Original.Size,
        Sha256 = doc.Original.Sha256,
        QuickXorHash = doc.Original.QuickXorHash,
        DocumentCreatedUtc = DateTime.SpecifyKind(doc.CreatedUtc, DateTimeKind.Utc),
        DocumentModifiedUtc = DateTime.SpecifyKind(doc.ModifiedUtc, DateTimeKind.Utc),
        DriveItemId = doc.DriveItemId,
        ContentHash = doc.ContentHash,
        SourceLocation = doc.SourceLocation,
        CreatedUtc = now,
        UpdatedUtc = now,
    };
}

using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Records shared documents' metadata in the platform store (<c>documents</c>: source path, renamed-to path and the
/// renames, owner, size, SHA-256 and quickXorHash, created and modified times, drive item id): each batch bulk-copied
/// into <c>documents_staging</c> and upserted by source path, leaving unchanged rows alone; removals deleted by source
/// path; one transaction per batch (<see cref="PlatformUpsertLoader{TRecord, TStaging, TEntity, TContext}"/>). Loading the same batch twice changes nothing. Returns <c>documents/{path}</c>.
/// </summary>
public sealed class PlatformDocumentLoader : PlatformUpsertLoader<DocumentRecord, DocumentStagingEntity, DocumentEntity, DocumentDbContext>
{
    private static readonly string[] Columns =
    [
        "SourcePath", "TargetPath", "RenamedFrom", "OwnerEmployeeId", "OwnerUpn", "Title", "Size", "Sha256", "QuickXorHash",
        "DocumentCreatedUtc", "DocumentModifiedUtc", "DriveItemId", "ContentHash", "SourceLocation", "CreatedUtc", "UpdatedUtc",
    ];

    private PlatformDocumentLoader(StoreLocation location, TimeProvider time)
        : base(location, time, o => new DocumentDbContext(o), "documents", "documents_staging", Columns)
    {
    }

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
    public static string StoreKey(string sourcePath) => $"documents/{sourcePath}";

    protected override string KeyOf(DocumentRecord record) => record.SourcePath;

    protected override string TargetKey(string key) => StoreKey(key);

    protected override string? NoteOf(DocumentRecord record) => record.RenameNote;

    protected override DocumentEntity ToEntity(DocumentRecord record, DateTime now) => Row(record, now, () => new DocumentEntity
    {
        SourcePath = record.SourcePath, TargetPath = record.TargetPath, ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
        OwnerEmployeeId = record.OwnerEmployeeId, OwnerUpn = record.OwnerUpn, Sha256 = record.Original.Sha256, QuickXorHash = record.Original.QuickXorHash,
    });

    protected override DocumentStagingEntity ToStaging(DocumentRecord record, string batchId, DateTime now) => Row(record, now, () => new DocumentStagingEntity
    {
        BatchId = batchId, SourcePath = record.SourcePath, TargetPath = record.TargetPath, ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
        OwnerEmployeeId = record.OwnerEmployeeId, OwnerUpn = record.OwnerUpn, Sha256 = record.Original.Sha256, QuickXorHash = record.Original.QuickXorHash,
    });

    private static T Row<T>(DocumentRecord doc, DateTime now, Func<T> create)
        where T : DocumentColumns
    {
        var row = create();
        row.RenamedFrom = doc.RenameNote;
        row.Title = doc.Original.Title;
        row.Size = doc.Original.Size;
        row.DocumentCreatedUtc = DateTime.SpecifyKind(doc.CreatedUtc, DateTimeKind.Utc);
        row.DocumentModifiedUtc = DateTime.SpecifyKind(doc.ModifiedUtc, DateTimeKind.Utc);
        row.DriveItemId = doc.DriveItemId;
        row.CreatedUtc = now;
        row.UpdatedUtc = now;
        return row;
    }
}

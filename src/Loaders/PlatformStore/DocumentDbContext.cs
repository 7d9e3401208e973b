using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's shared-document tables: <c>documents</c> (by source path) and <c>documents_staging</c>;
/// component <see cref="Component"/> at <see cref="SchemaVersion"/> in <c>dxmig_schema</c>, beside the other tables.
/// </summary>
public sealed class DocumentDbContext(DbContextOptions<DocumentDbContext> options) : DbContext(options)
{
    public const string Component = "platform-documents";

    public const int SchemaVersion = 1;

    public DbSet<DocumentEntity> Documents => Set<DocumentEntity>();

    public DbSet<DocumentStagingEntity> DocumentsStaging => Set<DocumentStagingEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<DocumentEntity>(e =>
        {
            e.ToTable("documents");
            e.HasKey(x => x.SourcePath);
            e.HasIndex(x => x.OwnerEmployeeId);
            e.HasIndex(x => x.DriveItemId);
        });
        modelBuilder.Entity<DocumentStagingEntity>(e =>
        {
            e.ToTable("documents_staging");
            e.HasKey(x => new { x.BatchId, x.SourcePath });
            e.Property(x => x.BatchId).HasMaxLength(40);
        });
    }
}

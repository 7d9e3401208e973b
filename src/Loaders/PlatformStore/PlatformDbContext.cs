using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>The platform store's contact tables (later issues add staff, schedules, devices beside them).</summary>
public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
    public const string Component = "platform-contacts";

    public const int SchemaVersion = 1;

    public DbSet<ContactEntity> Contacts => Set<ContactEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<ContactEntity>(e =>
        {
            e.ToTable("contacts");
            e.HasKey(x => x.Id);
            e.Property(x => x.SourceSystem).HasMaxLength(100);
            e.Property(x => x.OwnerAccount).HasMaxLength(320);
            e.Property(x => x.SourceNativeId).HasMaxLength(1000);
            e.Property(x => x.ContentHash).HasMaxLength(64);
            e.HasIndex(x => new { x.SourceSystem, x.OwnerAccount, x.SourceNativeId }).IsUnique();
            e.HasIndex(x => x.EmailNormalized);
        });
    }
}

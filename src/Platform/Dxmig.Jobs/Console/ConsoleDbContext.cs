using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Console;

/// <summary>The console's tables in the scheduler's store: its audit log and its requests to the nodes.</summary>
public sealed class ConsoleDbContext(DbContextOptions<ConsoleDbContext> options) : DbContext(options)
{
    /// <summary>The component's name in <c>dxmig_schema</c>.</summary>
    public const string Component = "console";

    public const int SchemaVersion = 1;

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    public DbSet<ConsoleRequest> Requests => Set<ConsoleRequest>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        // Times are stored in UTC; SQLite hands them back unspecified, so they are marked UTC on the way out.
        var utc = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
            v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        var utcOrNull = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime?, DateTime?>(
            v => v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : null);
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("console_audit");
            e.HasKey(x => x.Id);
            e.Property(x => x.Utc).HasConversion(utc);
            e.Property(x => x.User).HasMaxLength(ConsoleStore.MaxNameLength);
            e.Property(x => x.Role).HasMaxLength(50);
            e.Property(x => x.Action).HasMaxLength(100);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.RunId).HasMaxLength(40);
            e.Property(x => x.Detail).HasMaxLength(ConsoleStore.MaxDetailLength);
            e.Property(x => x.ClientAddress).HasMaxLength(100);
            e.Property(x => x.Outcome).HasMaxLength(50);
        });
        modelBuilder.Entity<ConsoleRequest>(e =>
        {
            e.ToTable("console_requests");
            e.HasKey(x => x.Id);
            e.Property(x => x.Utc).HasConversion(utc);
            e.Property(x => x.HandledUtc).HasConversion(utcOrNull);
            e.Property(x => x.Kind).HasMaxLength(20);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.RunId).HasMaxLength(40);
            e.Property(x => x.RequestedBy).HasMaxLength(ConsoleStore.MaxNameLength);
            e.Property(x => x.HandledBy).HasMaxLength(200);
            e.HasIndex(x => new { x.Kind, x.HandledUtc });
        });
    }
}

using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's staff-directory tables: <c>staff</c> (by employee id), <c>staff_staging</c> (a batch in
/// flight) and <c>departments</c>; created by <see cref="Dxmig.Platform.Storage.SchemaBootstrap"/> as component
/// <see cref="Component"/> at <see cref="SchemaVersion"/>, beside the contacts tables in the same database.
/// </summary>
public sealed class StaffDbContext(DbContextOptions<StaffDbContext> options) : DbContext(options)
{
    public const string Component = "platform-staff";

    public const int SchemaVersion = 1;

    /// <summary>The staff directory's table (also mapped, read-only, by <see cref="MobileDbContext"/> for the mobile rules).</summary>
    public const string StaffTable = "staff";

    public DbSet<StaffEntity> Staff => Set<StaffEntity>();

    public DbSet<StaffStagingEntity> StaffStaging => Set<StaffStagingEntity>();

    public DbSet<DepartmentEntity> Departments => Set<DepartmentEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<StaffEntity>(e =>
        {
            e.ToTable(StaffTable);
            e.HasKey(x => x.EmployeeId);
            Columns(e);
            e.HasIndex(x => x.UserPrincipalName);
            e.HasIndex(x => x.DepartmentCode);
        });
        modelBuilder.Entity<StaffStagingEntity>(e =>
        {
            e.ToTable("staff_staging");
            e.HasKey(x => new { x.BatchId, x.EmployeeId });
            e.Property(x => x.BatchId).HasMaxLength(40);
            Columns(e);
        });
        modelBuilder.Entity<DepartmentEntity>(e =>
        {
            e.ToTable("departments");
            e.HasKey(x => x.Code);
            e.Property(x => x.Code).HasMaxLength(32);
            e.Property(x => x.ParentCode).HasMaxLength(32);
        });
    }

    private static void Columns<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e)
        where T : StaffColumns
    {
        e.Property(x => x.EmployeeId).HasMaxLength(64);
        e.Property(x => x.UserPrincipalName).HasMaxLength(320);
        e.Property(x => x.ContentHash).HasMaxLength(64);
        e.Property(x => x.DepartmentCode).HasMaxLength(32);
        e.Property(x => x.StartDate).HasMaxLength(10);
    }
}

using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's mobile-work tables: <c>devices</c>, <c>sims</c>, <c>device_assignments</c> and
/// <c>sim_installations</c> (history, open while valid_to is null), <c>telework_permissions</c>, and the staging
/// tables of a batch in flight; component <see cref="Component"/> at <see cref="SchemaVersion"/>. The staff directory
/// (<see cref="StaffDirectory"/>) is mapped too, read-only and left out of this component's create script: it belongs to
/// <see cref="StaffDbContext"/>, and is here so that <see cref="MobileRules"/> can check devices and permissions against
/// it in one query.
/// </summary>
public sealed class MobileDbContext(DbContextOptions<MobileDbContext> options) : DbContext(options)
{
    public const string Component = "platform-mobile";

    public const int SchemaVersion = 1;

    public DbSet<DeviceEntity> Devices => Set<DeviceEntity>();

    public DbSet<DeviceStagingEntity> DeviceStaging => Set<DeviceStagingEntity>();

    public DbSet<SimEntity> Sims => Set<SimEntity>();

    public DbSet<DeviceAssignmentEntity> DeviceAssignments => Set<DeviceAssignmentEntity>();

    public DbSet<SimInstallationEntity> SimInstallations => Set<SimInstallationEntity>();

    public DbSet<TeleworkPermissionEntity> TeleworkPermissions => Set<TeleworkPermissionEntity>();

    public DbSet<TeleworkPermissionStagingEntity> TeleworkPermissionStaging => Set<TeleworkPermissionStagingEntity>();

    /// <summary>The <c>staff</c> table of <see cref="StaffDbContext"/>, for reading only.</summary>
    public DbSet<StaffEntity> StaffDirectory => Set<StaffEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<DeviceEntity>(e =>
        {
            e.ToTable("devices");
            e.HasKey(x => x.AssetNumber);
            e.HasIndex(x => x.Iccid);
            e.HasIndex(x => x.LentTo);
        });
        modelBuilder.Entity<DeviceStagingEntity>(e =>
        {
            e.ToTable("device_staging");
            e.HasKey(x => new { x.BatchId, x.AssetNumber });
        });
        modelBuilder.Entity<SimEntity>(e =>
        {
            e.ToTable("sims");
            e.HasKey(x => x.Iccid);
        });
        modelBuilder.Entity<DeviceAssignmentEntity>(e =>
        {
            e.ToTable("device_assignments");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AssetNumber, x.ValidTo });
            e.HasIndex(x => x.EmployeeId);
        });
        modelBuilder.Entity<SimInstallationEntity>(e =>
        {
            e.ToTable("sim_installations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AssetNumber, x.ValidTo });
            e.HasIndex(x => x.Iccid);
        });
        modelBuilder.Entity<TeleworkPermissionEntity>(e =>
        {
            e.ToTable("telework_permissions");
            e.HasKey(x => new { x.EmployeeId, x.SystemKey });
        });
        modelBuilder.Entity<TeleworkPermissionStagingEntity>(e =>
        {
            e.ToTable("telework_permission_staging");
            e.HasKey(x => new { x.BatchId, x.EmployeeId, x.SystemKey });
        });
        modelBuilder.Entity<StaffEntity>(e =>
        {
            e.ToTable(StaffDbContext.StaffTable, t => t.ExcludeFromMigrations());
            e.HasKey(x => x.EmployeeId);
        });
    }
}

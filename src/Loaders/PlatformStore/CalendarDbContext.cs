using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's CESS calendar tables: <c>schedules</c> (by schedule id), <c>reservations</c> (by reservation
/// id), <c>facilities</c> (by code), and the two staging tables of a batch in flight; created by
/// <see cref="Dxmig.Platform.Storage.SchemaBootstrap"/> as component <see cref="Component"/>. Only the natural keys
/// are indexed (and the staging tables' batch id, which leads their keys), so a bulk load stays fast.
/// </summary>
public sealed class CalendarDbContext(DbContextOptions<CalendarDbContext> options) : DbContext(options)
{
    public const string Component = "platform-calendar";

    public const int SchemaVersion = 1;

    public DbSet<ScheduleEntity> Schedules => Set<ScheduleEntity>();

    public DbSet<ScheduleStagingEntity> ScheduleStaging => Set<ScheduleStagingEntity>();

    public DbSet<ReservationEntity> Reservations => Set<ReservationEntity>();

    public DbSet<ReservationStagingEntity> ReservationStaging => Set<ReservationStagingEntity>();

    public DbSet<FacilityEntity> Facilities => Set<FacilityEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<ScheduleEntity>(e =>
        {
            e.ToTable("schedules");
            e.HasKey(x => x.ScheduleId);
            ScheduleColumns(e);
        });
        modelBuilder.Entity<ScheduleStagingEntity>(e =>
        {
            e.ToTable("schedule_staging");
            e.HasKey(x => new { x.BatchId, x.ScheduleId });
            e.Property(x => x.BatchId).HasMaxLength(40);
            ScheduleColumns(e);
        });
        modelBuilder.Entity<ReservationEntity>(e =>
        {
            e.ToTable("reservations");
            e.HasKey(x => x.ReservationId);
            ReservationColumns(e);
        });
        modelBuilder.Entity<ReservationStagingEntity>(e =>
        {
            e.ToTable("reservation_staging");
            e.HasKey(x => new { x.BatchId, x.ReservationId });
            e.Property(x => x.BatchId).HasMaxLength(40);
            ReservationColumns(e);
        });
        modelBuilder.Entity<FacilityEntity>(e =>
        {
            e.ToTable("facilities");
            e.HasKey(x => x.Code);
            e.Property(x => x.Code).HasMaxLength(32);
            e.Property(x => x.RoomAddress).HasMaxLength(320);
        });
    }

    private static void ScheduleColumns<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e)
        where T : ScheduleColumns
    {
        e.Property(x => x.ScheduleId).HasMaxLength(64);
        e.Property(x => x.OwnerId).HasMaxLength(64);
        e.Property(x => x.OwnerUpn).HasMaxLength(320);
        e.Property(x => x.ContentHash).HasMaxLength(64);
    }

    private static void ReservationColumns<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> e)
        where T : ReservationColumns
    {
        e.Property(x => x.ReservationId).HasMaxLength(64);
        e.Property(x => x.FacilityCode).HasMaxLength(32);
        e.Property(x => x.ReserverId).HasMaxLength(64);
        e.Property(x => x.ContentHash).HasMaxLength(64);
    }
}

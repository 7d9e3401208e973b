using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Ledger;

/// <summary>The ledger's tables: items, checkpoints, runs, run accounts, leases.</summary>
public sealed class LedgerDbContext(DbContextOptions<LedgerDbContext> options) : DbContext(options)
{
    public const string Component = "ledger";

    public const int SchemaVersion = 2;

    public DbSet<LedgerItem> Items => Set<LedgerItem>();

    public DbSet<LedgerCheckpoint> Checkpoints => Set<LedgerCheckpoint>();

    public DbSet<LedgerRun> Runs => Set<LedgerRun>();

    public DbSet<LedgerRunAccount> RunAccounts => Set<LedgerRunAccount>();

    public DbSet<JobLease> Leases => Set<JobLease>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<LedgerItem>(e =>
        {
            e.ToTable("ledger_items");
            e.HasKey(x => x.Id);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.System).HasMaxLength(100);
            e.Property(x => x.Account).HasMaxLength(320);
            e.Property(x => x.Container).HasMaxLength(1000);
            e.Property(x => x.NativeId).HasMaxLength(1000);
            e.Property(x => x.Version).HasMaxLength(200);
            e.Property(x => x.ContentHash).HasMaxLength(200);
            e.Property(x => x.State).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Code).HasMaxLength(100);
            e.Property(x => x.FirstRunId).HasMaxLength(40);
            e.Property(x => x.LastRunId).HasMaxLength(40);
            e.HasIndex(x => new { x.Job, x.Account, x.Container, x.NativeId }).IsUnique();
            e.HasIndex(x => new { x.Job, x.LastRunId, x.State });
        });
        modelBuilder.Entity<LedgerCheckpoint>(e =>
        {
            e.ToTable("ledger_checkpoints");
            e.HasKey(x => x.Id);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.Account).HasMaxLength(320);
            e.Property(x => x.Container).HasMaxLength(1000);
            e.HasIndex(x => new { x.Job, x.Account, x.Container }).IsUnique();
        });
        modelBuilder.Entity<LedgerRun>(e =>
        {
            e.ToTable("ledger_runs");
            e.HasKey(x => x.RunId);
            e.Property(x => x.RunId).HasMaxLength(40);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.Node).HasMaxLength(200);
            e.Property(x => x.Outcome).HasConversion<string>().HasMaxLength(30);
            e.HasIndex(x => new { x.Job, x.StartedUtc });
        });
        modelBuilder.Entity<LedgerRunAccount>(e =>
        {
            e.ToTable("ledger_run_accounts");
            e.HasKey(x => x.Id);
            e.Property(x => x.RunId).HasMaxLength(40);
            e.Property(x => x.Account).HasMaxLength(320);
            e.Property(x => x.Outcome).HasConversion<string>().HasMaxLength(30);
            e.HasIndex(x => new { x.RunId, x.Account }).IsUnique();
        });
        modelBuilder.Entity<JobLease>(e =>
        {
            e.ToTable("ledger_job_leases");
            e.HasKey(x => x.Job);
            e.Property(x => x.Job).HasMaxLength(200);
            e.Property(x => x.RunId).HasMaxLength(40);
            e.Property(x => x.Node).HasMaxLength(200);
        });
    }
}

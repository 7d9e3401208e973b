using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using LinqToDB.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dxmig.Loaders.Tests;

/// <summary>
/// dxmig's own binary COPY writer against a real PostgreSQL: every column type it writes, with the values that bite
/// (nulls, empty text, surrogate pairs, a row larger than its buffer, DateTime.MinValue/MaxValue, Local and Unspecified
/// kinds, integer extremes), read back through EF Core and compared with the same rows bulk-copied by linq2db; a bad
/// value leaves nothing behind; an entity with a column type it does not write goes through linq2db.
/// </summary>
public sealed class PgBinaryCopyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task EveryColumnType_ReadsBackAsLinq2dbWroteIt()
    {
        var rows = Rows();
        var ours = await CopyAsync(BulkCopyType.ProviderSpecific, rows, viaOurWriter: true);
        var theirs = await CopyAsync(BulkCopyType.ProviderSpecific, rows, viaOurWriter: false);

        ours.Should().HaveCount(rows.Count);
        ours.Should().BeEquivalentTo(theirs, o => o.WithStrictOrdering());
        var first = ours[0];
        first.Text.Should().Be("①㈱髙﨑 𠮷野家 🍣");
        first.Optional.Should().BeNull();
        first.When.Should().Be(new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1234560));
        ours[1].Big.Should().HaveLength(300_000, "a row larger than the writer's buffer");
        ours[2].When.Should().Be(DateTime.MinValue);
        ours[2].WhenMaybe.Should().Be(DateTime.MaxValue);
        ours[3].Count.Should().Be(long.MinValue);
        ours[3].Day.Should().Be(new DateOnly(1868, 10, 23), "dates before PostgreSQL's epoch are negative days");
        ours.Select(r => r.Flag).Should().Equal(rows.Select(r => r.Flag));
    }

    [Fact]
    public async Task ALoneSurrogate_Throws_AndTheCopyLeavesNothing()
    {
        var options = await OptionsAsync();
        await using var db = new CopyDbContext(options);
        await db.Database.BeginTransactionAsync();
        var broken = Rows()[0];
        broken.Id = 99;
        broken.Text = "before \ud800 after";

        var copy = () => BulkRows.CopyAsync(db, BulkCopyType.ProviderSpecific, Rows().Take(2).Append(broken), CancellationToken.None);

        await copy.Should().ThrowAsync<System.Text.EncoderFallbackException>();
        await db.Database.RollbackTransactionAsync();
        await using var check = new CopyDbContext(options);
        (await check.Rows.CountAsync()).Should().Be(0, "the COPY was cancelled, not completed with the rows before the bad one");
    }

    [Fact]
    public async Task AnEntityWithAColumnTypeItDoesNotWrite_GoesThroughLinq2db()
    {
        var options = await OptionsAsync();
        await using var db = new CopyDbContext(options);
        PgBinaryCopy<PricedRow>.For(db.Model).Should().BeNull("numeric is not a type the writer knows");
        PgBinaryCopy<CopyRow>.For(db.Model)!.CopySql.Should().StartWith("COPY \"copy_rows\" (\"Id\", ");

        await db.Database.BeginTransactionAsync();
        var copied = await BulkRows.CopyAsync(db, BulkCopyType.ProviderSpecific, [new PricedRow { Id = 1, Price = 12.345m }, new PricedRow { Id = 2, Price = -0.5m }], CancellationToken.None);
        await db.Database.CommitTransactionAsync();

        copied.Should().Be(2);
        (await db.Priced.OrderBy(p => p.Id).Select(p => p.Price).ToListAsync()).Should().Equal(12.345m, -0.5m);
    }

    private async Task<List<CopyRow>> CopyAsync(BulkCopyType type, List<CopyRow> rows, bool viaOurWriter)
    {
        var options = await OptionsAsync();
        await using (var db = new CopyDbContext(options))
        {
            await db.Database.BeginTransactionAsync();
            if (viaOurWriter)
            {
                (await BulkRows.CopyAsync(db, type, rows, CancellationToken.None)).Should().Be(rows.Count);
            }
            else
            {
                await LinqToDB.EntityFrameworkCore.LinqToDBForEFTools.BulkCopyAsync(db, new BulkCopyOptions { BulkCopyType = type }, rows, CancellationToken.None);
            }

            await db.Database.CommitTransactionAsync();
        }

        await using var read = new CopyDbContext(options);
        return await read.Rows.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
    }

    private async Task<DbContextOptions<CopyDbContext>> OptionsAsync()
    {
        var options = StoreContextFactory.CreateOptions<CopyDbContext>(StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/"));
        await using var db = new CopyDbContext(options);
        await db.Database.EnsureCreatedAsync();
        return options;
    }

    private static List<CopyRow> Rows() =>
    [
        new() { Id = 1, Key = "S0000001", Text = "①㈱髙﨑 𠮷野家 🍣", Optional = null, Big = string.Empty, When = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1234560), WhenMaybe = null, Flag = true, FlagMaybe = null, Count = 42, CountMaybe = null, Small = 3, Number = -7, NumberMaybe = null, Day = new DateOnly(2026, 11, 26), DayMaybe = null },
        new() { Id = 2, Key = "S0000002", Text = string.Empty, Optional = "ｶﾞｷﾞ 全角１２３", Big = new string('あ', 300_000), When = new DateTime(2025, 12, 31, 23, 59, 59, DateTimeKind.Unspecified), WhenMaybe = new DateTime(1999, 12, 31, 15, 0, 0, DateTimeKind.Utc), Flag = false, FlagMaybe = false, Count = long.MaxValue, CountMaybe = 0, Small = short.MinValue, Number = int.MaxValue, NumberMaybe = int.MinValue, Day = new DateOnly(2000, 1, 1), DayMaybe = new DateOnly(1999, 12, 31) },
        new() { Id = 3, Key = "S0000003", Text = "line1\r\nline2\t\"quoted\", 'single' \\ back", Optional = string.Empty, Big = "x", When = DateTime.MinValue, WhenMaybe = DateTime.MaxValue, Flag = true, FlagMaybe = true, Count = 0, CountMaybe = -1, Small = short.MaxValue, Number = 0, NumberMaybe = 0, Day = DateOnly.MaxValue, DayMaybe = DateOnly.MinValue },
        new() { Id = 4, Key = new string('k', 64), Text = "\u3000", Optional = null, Big = "y", When = new DateTime(1951, 9, 8, 0, 0, 0, DateTimeKind.Utc), WhenMaybe = new DateTime(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc).ToLocalTime(), Flag = false, FlagMaybe = null, Count = long.MinValue, CountMaybe = long.MaxValue, Small = 0, Number = -1, NumberMaybe = null, Day = new DateOnly(1868, 10, 23), DayMaybe = null },
    ];
}

public sealed class CopyRow
{
    public int Id { get; set; }

    public required string Key { get; set; }

    public required string Text { get; set; }

    public string? Optional { get; set; }

    public required string Big { get; set; }

    public DateTime When { get; set; }

    public DateTime? WhenMaybe { get; set; }

    public bool Flag { get; set; }

    public bool? FlagMaybe { get; set; }

    public long Count { get; set; }

    public long? CountMaybe { get; set; }

    public short Small { get; set; }

    public int Number { get; set; }

    public int? NumberMaybe { get; set; }

    public DateOnly Day { get; set; }

    public DateOnly? DayMaybe { get; set; }
}

public sealed class PricedRow
{
    public int Id { get; set; }

    public decimal Price { get; set; }
}

public sealed class CopyDbContext(DbContextOptions<CopyDbContext> options) : DbContext(options)
{
    public DbSet<CopyRow> Rows => Set<CopyRow>();

    public DbSet<PricedRow> Priced => Set<PricedRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<CopyRow>(e =>
        {
            e.ToTable("copy_rows");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Key).HasMaxLength(64);
        });
        modelBuilder.Entity<PricedRow>(e =>
        {
            e.ToTable("priced_rows");
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.Price).HasColumnType("numeric(10,3)");
        });
    }
}

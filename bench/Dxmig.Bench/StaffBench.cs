using System.Diagnostics;
using System.Globalization;
using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Dxmig.Transformers.Cess;

namespace Dxmig.Bench;

/// <summary>
/// The CESS staff slice's platform-store load: dxmig's loader (first load: rows copied straight into the empty table —
/// SQLite: linq2db's multi-row INSERT, PostgreSQL: dxmig's binary COPY writer; later runs: staging + one upsert by
/// employee id per batch) against plain EF Core (AddRange + SaveChanges per batch) on the same staff records, each into
/// an empty database; then dxmig's no-change reload.
/// </summary>
internal static class StaffBench
{
    private const int BatchSize = 5000;

    public static async Task<int> RunAsync(int rows)
    {
        var (departments, records) = Records(rows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CESS staff load: {rows:N0} rows, batches of {BatchSize:N0}"));
        Console.WriteLine("store       | side                                   |   seconds |     rows/s");

        using var temp = new TempFolder("dxmig-bench-staff");
        var sqliteDxmig = await DxmigAsync(StoreLocation.Parse(temp.File("dxmig.db"), "/"), departments, records);
        var sqliteReload = await DxmigAsync(StoreLocation.Parse(temp.File("dxmig.db"), "/"), departments, records);
        var sqliteEf = await EfCoreAsync(StoreLocation.Parse(temp.File("efcore.db"), "/"), records);
        Print("SQLite", "dxmig BulkCopy (first load)", sqliteDxmig, rows);
        Print("SQLite", "dxmig no-change reload", sqliteReload, rows);
        Print("SQLite", "EF Core AddRange + SaveChanges", sqliteEf, rows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SQLite ratio (EF Core / dxmig): {sqliteEf / sqliteDxmig:0.0}x"));

        await using var postgres = await PostgresServer.StartAsync();
        var pgDxmigDatabase = await postgres.CreateDatabaseAsync();
        var pgDxmig = await DxmigAsync(StoreLocation.Parse(pgDxmigDatabase, "/"), departments, records);
        await PgCopyFloor.SettleAsync(pgDxmigDatabase);
        var text = await FloorAsync(postgres, pgDxmigDatabase, departments, rows, binary: false);
        var binary = await FloorAsync(postgres, pgDxmigDatabase, departments, rows, binary: true);
        var pgEf = await EfCoreAsync(StoreLocation.Parse(await postgres.CreateDatabaseAsync(), "/"), records);
        Print("PostgreSQL", "dxmig binary COPY (first load)", pgDxmig, rows);
        Print("PostgreSQL", "EF Core AddRange + SaveChanges", pgEf, rows);
        Print("PostgreSQL", "psql \\copy text format (the floor)", text.Seconds, rows);
        Print("PostgreSQL", "psql \\copy binary format", binary.Seconds, rows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL ratio (EF Core / dxmig): {pgEf / pgDxmig:0.0}x"));
        Console.WriteLine();
        Console.WriteLine(
            "PostgreSQL against its floor: the rows dxmig loaded, read back with psql \\copy … TO (tmpfs) and loaded by psql \\copy … FROM " +
            "into an empty staff table (dxmig's schema), one COPY, timed around psql's process; dxmig and EF Core with the records in hand, no ledger.");
        Console.WriteLine("side                                   |   seconds | % of floor | x floor | CPU s client / PostgreSQL");
        FloorRow("psql \\copy, text format (the floor)", text.Seconds, $"{text.ClientCpu:0.00} / {text.ServerCpu:0.00}");
        FloorRow("psql \\copy, binary format", binary.Seconds, $"{binary.ClientCpu:0.00} / {binary.ServerCpu:0.00}");
        FloorRow("dxmig binary COPY (first load)", pgDxmig, string.Empty);
        FloorRow("EF Core AddRange + SaveChanges", pgEf, string.Empty);
        return 0;

        void FloorRow(string side, double seconds, string cpu) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{side,-38} | {seconds,9:0.000} | {text.Seconds / seconds * 100,9:0}% | {seconds / text.Seconds,6:0.00}x | {cpu}"));
    }

    /// <summary>psql's COPY of the staff rows dxmig loaded (read back from <paramref name="dxmigDatabase"/>) into a fresh database with dxmig's staff schema.</summary>
    internal static async Task<FloorLoad> FloorAsync(PostgresServer postgres, string dxmigDatabase, DepartmentMap departments, int rows, bool binary)
    {
        using var files = new PgCopyFloor();
        var file = await files.ExportAsync(dxmigDatabase, "staff", binary);
        var database = await postgres.CreateDatabaseAsync();
        await (await PlatformStaffLoader.OpenAsync(StoreLocation.Parse(database, "/"), departments, TimeProvider.System, CancellationToken.None)).DisposeAsync();
        return await PgCopyFloor.LoadAsync(database, "staff", file, binary, rows);
    }

    /// <summary>The department table and <paramref name="rows"/> transformed staff records (also the schedule benchmark's 7,500 staff).</summary>
    internal static (DepartmentMap Departments, List<StaffRecord> Records) Records(int rows)
    {
        JapaneseEncodings.EnsureRegistered();
        var departments = DepartmentMap.FromDepartments(
            File.ReadLines(Path.Combine(RepoPaths.Mappings, "cess-departments.csv")).Skip(1).Where(l => !l.StartsWith('#'))
                .Select(l => l.Split(',')).Select(f => new Department(f[0], f[1], f[2].Length == 0 ? null : f[2])));
        var identities = IdentityMap.FromPairs(Enumerable.Range(0, rows).Select(i => new KeyValuePair<string, string>(StaffSamples.EmployeeId(i), StaffSamples.Upn(i))));
        var transformer = new StaffTransformer(identities, departments, GaijiMap.Empty);
        return (departments, Enumerable.Range(0, rows).Select(i => Record(transformer, i)).ToList());
    }

    private static StaffRecord Record(StaffTransformer transformer, int index)
    {
        var f = StaffSamples.Row(index, 2026, changed: false).Split(',');
        var entry = new StaffEntry
        {
            File = "staff.csv", Line = index + 2, EmployeeId = f[0], Name = f[1], Kana = f[2], Romaji = f[3], DepartmentCode = f[4],
            DepartmentName = f[5], Title = f[6], Phone = f[7], Extension = f[8], Email = f[9], Office = f[10].Trim('"'), StartDate = f[11],
        };
        var hash = ContentHash.OfFields(entry.Fields());
        var item = SourceItem<StaffEntry>.Ok(new SourceKey("cess-staff", "cess", "staff", entry.EmployeeId, hash[..16]), hash, 200, $"staff.csv:{entry.Line}", entry);
        return transformer.Transform(item).Targets[0];
    }

    internal static async Task<double> DxmigAsync(StoreLocation store, DepartmentMap departments, List<StaffRecord> records)
    {
        await using var loader = await PlatformStaffLoader.OpenAsync(store, departments, TimeProvider.System, CancellationToken.None);
        var watch = Stopwatch.StartNew();
        foreach (var chunk in records.Chunk(BatchSize))
        {
            var batch = chunk.Select(r => new LoadRequest<StaffRecord>(default, r.ContentHash, 0, r, false)).ToList();
            await loader.LoadAsync("cess", batch, CancellationToken.None);
        }

        return watch.Elapsed.TotalSeconds;
    }

    internal static async Task<double> EfCoreAsync(StoreLocation store, List<StaffRecord> records)
    {
        var options = StoreContextFactory.CreateOptions<StaffDbContext>(store);
        await using (var create = new StaffDbContext(options))
        {
            await SchemaBootstrap.EnsureAsync(create, StaffDbContext.Component, StaffDbContext.SchemaVersion, CancellationToken.None);
        }

        var watch = Stopwatch.StartNew();
        var now = DateTime.UtcNow;
        foreach (var chunk in records.Chunk(BatchSize))
        {
            await using var db = new StaffDbContext(options);
            db.Staff.AddRange(chunk.Select(r => PlatformStaffLoader.ToRow(r, now, () => new StaffEntity
            {
                EmployeeId = r.EmployeeId,
                UserPrincipalName = r.UserPrincipalName,
                ContentHash = r.ContentHash,
                SourceLocation = r.SourceLocation,
                DisplayName = r.DisplayName,
            })));
            await db.SaveChangesAsync();
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static void Print(string store, string side, double seconds, int rows) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{store,-11} | {side,-38} | {seconds,9:0.00} | {rows / seconds,10:N0}"));
}

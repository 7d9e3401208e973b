using System.Diagnostics;
using System.Globalization;
using Dxmig.Sandbox.Samples;
using Dxmig.Extractors.Cess;
using Dxmig.Extractors.Csv;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Dxmig.Transformers.Cess;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Bench;

/// <summary>
/// 7,500 CESS staff, then CESS schedules, into a private PostgreSQL: one generated CP932 export (ROWS rows, 7,500 people)
/// read by dxmig's extractor and transformer, streamed in batches of 50,000, then loaded by dxmig's loader (first load:
/// binary COPY straight into the empty table) or by plain EF Core (a fresh context per batch, AddRange +
/// SaveChanges), each side in its own process into its own empty database, so its peak RSS is its own. Printed: the load
/// seconds and rows/s of each side (extraction and transformation, the same for both, timed apart), the ratio, and each
/// side's peak RSS after 10 %, 30 % and 100 % of the rows (flat = streamed).
/// </summary>
internal static class ScheduleBench
{
    private const int BatchSize = 50_000;
    private const int People = 7_500;

    public static async Task<int> RunAsync(int rows)
    {
        using var temp = new TempFolder("dxmig-bench-schedules");
        var export = temp.File("schedules.csv");
        var generate = Stopwatch.StartNew();
        CalendarSamples.WriteSchedules(export, new CalendarSampleOptions(rows, People));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CESS schedules into PostgreSQL: {rows:N0} rows ({new FileInfo(export).Length / 1048576.0:N0} MB CP932, generated in {generate.Elapsed.TotalSeconds:0.0} s), {People:N0} people, batches of {BatchSize:N0}"));
        await using var postgres = await PostgresServer.StartAsync();
        var dxmigDatabase = await postgres.CreateDatabaseAsync();
        var dxmig = await Peak.ChildAsync("measure-schedules", "dxmig", export, dxmigDatabase, rows.ToString(CultureInfo.InvariantCulture));
        var (text, binary) = await FloorAsync(postgres, dxmigDatabase, rows); // before EF Core's load, so no autovacuum of its table runs meanwhile
        var efcore = await Peak.ChildAsync("measure-schedules", "efcore", export, await postgres.CreateDatabaseAsync(), rows.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("side                                          | load s |     rows/s | peak RSS MB at 10% / 30% / 100%");
        Print("dxmig binary COPY (first load)", dxmig);
        Print("EF Core AddRange + SaveChanges", efcore);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (EF Core / dxmig load time): {efcore.Seconds / dxmig.Seconds:0.0}x (goal: at least 20x)"));
        var (dxStaff, efStaff) = (Staff(dxmig.Output), Staff(efcore.Output));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"staff first, {People:N0} rows into the same database: dxmig {dxStaff:0.00} s ({People / dxStaff:N0} rows/s), EF Core {efStaff:0.00} s ({People / efStaff:N0} rows/s), ratio {efStaff / dxStaff:0.0}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"both together, {rows + People:N0} rows: dxmig {dxmig.Seconds + dxStaff:0.0} s, EF Core {efcore.Seconds + efStaff:0.0} s, ratio {(efcore.Seconds + efStaff) / (dxmig.Seconds + dxStaff):0.0}x (goal: at least 20x)"));
        Console.WriteLine(dxmig.Output.Split('\n').FirstOrDefault(l => l.StartsWith("extract", StringComparison.Ordinal)) ?? string.Empty);
        foreach (var output in new[] { dxmig.Output, efcore.Output })
        {
            Console.WriteLine(output.Split('\n').FirstOrDefault(l => l.StartsWith("load:", StringComparison.Ordinal)) ?? string.Empty);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Against PostgreSQL's floor: the same rows (read back from dxmig's tables with psql \\copy … TO, on tmpfs) loaded by psql \\copy … FROM into an empty copy of each table (dxmig's schema), one COPY each, timed around psql's process; dxmig and EF Core: load time with the records in hand (no extraction, no ledger). % of floor = floor s / side s x 100 (floor: psql text COPY)."));
        Console.WriteLine("side                                   | staff s | % floor | x floor | schedules s | % floor | x floor |     rows/s | CPU s client / PostgreSQL (schedules)");
        FloorRow("psql \\copy, text format (the floor)", text.Staff.Seconds, text.Schedules.Seconds, $"{text.Schedules.ClientCpu:0.0} / {text.Schedules.ServerCpu:0.0}");
        FloorRow("psql \\copy, binary format", binary.Staff.Seconds, binary.Schedules.Seconds, $"{binary.Schedules.ClientCpu:0.0} / {binary.Schedules.ServerCpu:0.0}");
        FloorRow("dxmig binary COPY (first load)", dxStaff, dxmig.Seconds, LoadCpu(dxmig.Output));
        FloorRow("EF Core AddRange + SaveChanges", efStaff, efcore.Seconds, LoadCpu(efcore.Output));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dxmig against the floor, staff and schedules together: {(dxStaff + dxmig.Seconds) / (text.Staff.Seconds + text.Schedules.Seconds):0.00}x psql text COPY, {(dxStaff + dxmig.Seconds) / (binary.Staff.Seconds + binary.Schedules.Seconds):0.00}x psql binary COPY (goal: within 1.3x)"));
        Console.WriteLine();
        await JobLineAsync(postgres, temp, export, rows, 10_000, text.Schedules.Seconds);
        return 0;

        void FloorRow(string side, double staffSeconds, double scheduleSeconds, string cpu) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{side,-38} | {staffSeconds,7:0.000} | {text.Staff.Seconds / staffSeconds * 100,6:0}% | {staffSeconds / text.Staff.Seconds,6:0.00}x | {scheduleSeconds,11:0.00} | {text.Schedules.Seconds / scheduleSeconds * 100,6:0}% | {scheduleSeconds / text.Schedules.Seconds,6:0.00}x | {rows / scheduleSeconds,10:N0} | {cpu}"));

        static string LoadCpu(string output)
        {
            var match = System.Text.RegularExpressions.Regex.Match(output, @"client process used ([0-9.]+) CPU s.*?PostgreSQL ([0-9.]+) CPU s");
            return match.Success ? $"{match.Groups[1].Value} / {match.Groups[2].Value}" : "?";
        }

        static double Staff(string output) => double.Parse(
            output.Split('\n').First(l => l.StartsWith("STAFF ", StringComparison.Ordinal))[6..].Trim(), CultureInfo.InvariantCulture);

        void Print(string side, (double Seconds, double RssMb, string Output) r)
        {
            var checks = string.Join(" / ", r.Output.Split('\n').Where(l => l.StartsWith("CHECK ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{side,-45} | {r.Seconds,6:0.0} | {rows / r.Seconds,10:N0} | {checks}"));
        }
    }

    /// <summary>Only dxmig's whole job (<c>dxmig run</c>, ledger included) against the loader alone and psql's floor, no EF Core side.</summary>
    public static async Task<int> JobAsync(int rows, int batchSize)
    {
        using var temp = new TempFolder("dxmig-bench-schedules");
        var export = temp.File("schedules.csv");
        CalendarSamples.WriteSchedules(export, new CalendarSampleOptions(rows, People));
        await using var postgres = await PostgresServer.StartAsync();
        var dxmigDatabase = await postgres.CreateDatabaseAsync();
        var dxmig = await Peak.ChildAsync("measure-schedules", "dxmig", export, dxmigDatabase, rows.ToString(CultureInfo.InvariantCulture));
        var (text, binary) = await FloorAsync(postgres, dxmigDatabase, rows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CESS schedules, {rows:N0} rows: psql \\copy text {text.Schedules.Seconds:0.00} s, binary {binary.Schedules.Seconds:0.00} s; dxmig's loader with the records in hand {dxmig.Seconds:0.00} s ({dxmig.Seconds / text.Schedules.Seconds:0.00}x the text floor)"));
        await JobLineAsync(postgres, temp, export, rows, batchSize, text.Schedules.Seconds);
        return 0;
    }

    /// <summary>dxmig run of the schedules job into fresh store and ledger databases; prints its time against the floor and the ledger's rows.</summary>
    internal static async Task JobLineAsync(PostgresServer postgres, TempFolder temp, string export, int rows, int batchSize, double floorSeconds)
    {
        var store = await postgres.CreateDatabaseAsync();
        var ledger = await postgres.CreateDatabaseAsync();
        var job = ScheduleJobRun.WriteJob(temp, export, store, ledger, batchSize);
        var run = await Peak.ChildAsync("run-schedules", job);
        var cpu = run.Output.Split('\n').FirstOrDefault(l => l.StartsWith("CPU ", StringComparison.Ordinal))?[4..].Trim() ?? "?";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dxmig run (whole job: extraction, transformation, ledger, load; batch-size {batchSize:N0}; reconcile off): {run.Seconds:0.0} s, {rows / run.Seconds:N0} rows/s, {run.Seconds / floorSeconds:0.0}x the text floor ({floorSeconds / run.Seconds * 100:0}% of floor), {cpu} CPU s, peak RSS {run.RssMb:0} MB"));
        Console.WriteLine("ledger rows written by the run: " + await PgCopyFloor.RowCountsAsync(ledger));

        // The floor of what the run wrote: its schedules and its ledger items, each by one psql COPY into an empty table.
        using var files = new PgCopyFloor();
        var schedules = await files.ExportAsync(store, "schedules", binary: false);
        var items = await files.ExportAsync(ledger, "ledger_items", binary: false);
        var empty = await postgres.CreateDatabaseAsync();
        await (await PlatformScheduleLoader.OpenAsync(StoreLocation.Parse(empty, "/"), TimeProvider.System, CancellationToken.None)).DisposeAsync();
        await (await Dxmig.Platform.Ledger.JobLedger.OpenAsync(StoreLocation.Parse(empty, "/"), TimeProvider.System, CancellationToken.None)).DisposeAsync();
        var storeFloor = await PgCopyFloor.LoadAsync(empty, "schedules", schedules, false, rows);
        var ledgerFloor = await PgCopyFloor.LoadAsync(empty, "ledger_items", items, false, (int)await PgCopyFloor.CountAsync(ledger, "ledger_items"));
        var floor = storeFloor.Seconds + ledgerFloor.Seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"the floor of what the run wrote (psql \\copy text: schedules {storeFloor.Seconds:0.00} s + ledger_items {ledgerFloor.Seconds:0.00} s = {floor:0.00} s): dxmig run {run.Seconds / floor:0.0}x ({floor / run.Seconds * 100:0}% of floor); the rest is extraction and transformation, the ledger's reads and run bookkeeping, and batches of {batchSize:N0}"));
    }

    /// <summary>
    /// psql's COPY of the rows dxmig loaded (its staff and schedules tables read back to files on tmpfs), text and binary
    /// format, each into a fresh database whose tables dxmig's store schema created: the seconds and PostgreSQL CPU of each.
    /// </summary>
    internal static async Task<(Floor Text, Floor Binary)> FloorAsync(PostgresServer postgres, string dxmigDatabase, int rows)
    {
        using var files = new PgCopyFloor();
        var (departments, _) = StaffBench.Records(0);
        await PgCopyFloor.SettleAsync(dxmigDatabase);
        var results = new List<Floor>();
        foreach (var binary in new[] { false, true })
        {
            var staffFile = await files.ExportAsync(dxmigDatabase, "staff", binary);
            var scheduleFile = await files.ExportAsync(dxmigDatabase, "schedules", binary);
            var database = await postgres.CreateDatabaseAsync();
            var store = StoreLocation.Parse(database, "/");
            await (await PlatformStaffLoader.OpenAsync(store, departments, TimeProvider.System, CancellationToken.None)).DisposeAsync();
            await (await PlatformScheduleLoader.OpenAsync(store, TimeProvider.System, CancellationToken.None)).DisposeAsync();
            var staff = await PgCopyFloor.LoadAsync(database, "staff", staffFile, binary, People);
            var schedules = await PgCopyFloor.LoadAsync(database, "schedules", scheduleFile, binary, rows);
            results.Add(new Floor(staff, schedules));
            File.Delete(staffFile);
            File.Delete(scheduleFile);
        }

        return (results[0], results[1]);
    }

    internal sealed record Floor(FloorLoad Staff, FloorLoad Schedules);

    /// <summary>One side, in its own process: prints <c>CHECK rows rssMb</c> lines, then <c>RESULT loadSeconds peakRssMb</c>.</summary>
    public static async Task<int> MeasureAsync(string side, string export, string connection, int rows)
    {
        JapaneseEncodings.EnsureRegistered();
        var store = StoreLocation.Parse(connection, "/");
        var identities = IdentityMap.FromPairs(Enumerable.Range(0, People).Select(i => new KeyValuePair<string, string>(CalendarSamples.PersonId(i), CalendarSamples.Upn(i))));
        var transformer = new ScheduleTransformer(identities, GaijiMap.Empty);
        var extractor = new ScheduleCsvExtractor(
            new KeyedCsvOptions(export, CsvEncodingChoice.Auto, ScheduleCsvExtractor.DefaultFieldMap.Fields, null), NullLogger<ScheduleCsvExtractor>.Instance);
        Func<IReadOnlyList<ScheduleRecord>, Task> load;
        PlatformScheduleLoader? loader = null;
        var options = StoreContextFactory.CreateOptions<CalendarDbContext>(store);
        if (side == "dxmig")
        {
            loader = await PlatformScheduleLoader.OpenAsync(store, TimeProvider.System, CancellationToken.None);
            load = batch => loader.LoadAsync("cess", [.. batch.Select(r => new LoadRequest<ScheduleRecord>(default, r.ContentHash, 0, r, false))], CancellationToken.None);
        }
        else
        {
            await using (var create = new CalendarDbContext(options))
            {
                await SchemaBootstrap.EnsureAsync(create, CalendarDbContext.Component, CalendarDbContext.SchemaVersion, CancellationToken.None);
            }

            load = async batch =>
            {
                var now = DateTime.UtcNow;
                await using var db = new CalendarDbContext(options);
                db.Schedules.AddRange(batch.Select(r => PlatformScheduleLoader.ToRow(r, now, () => new ScheduleEntity
                {
                    ScheduleId = r.ScheduleId, OwnerId = r.OwnerId, OwnerUpn = r.OwnerUpn, ContentHash = r.ContentHash, SourceLocation = r.SourceLocation,
                })));
                await db.SaveChangesAsync();
            };
        }

        // The 7,500 staff first, into the same database, by the same side (the issue's "7,500 staff and 1,000,000 schedules").
        var (departments, staff) = StaffBench.Records(People);
        var staffSeconds = side == "dxmig"
            ? await StaffBench.DxmigAsync(store, departments, staff)
            : await StaffBench.EfCoreAsync(store, staff);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STAFF {staffSeconds:0.000}"));

        var checkpoints = new Queue<int>(new[] { rows / 10, rows * 3 / 10, rows }.Where(c => c > 0));
        var loadWatch = new Stopwatch();
        var loadCpu = TimeSpan.Zero;
        var loadGcPause = TimeSpan.Zero;
        var serverCpu = 0.0;
        var port = new Npgsql.NpgsqlConnectionStringBuilder(connection).Port;
        using var self = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        var batch = new List<ScheduleRecord>(BatchSize);
        var done = 0;
        async Task FlushAsync()
        {
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var pauseBefore = GC.GetTotalPauseDuration();
            var serverBefore = ServerCpu.Seconds(port);
            loadWatch.Start();
            await load(batch);
            loadWatch.Stop();
            self.Refresh();
            loadCpu += self.TotalProcessorTime - cpuBefore;
            loadGcPause += GC.GetTotalPauseDuration() - pauseBefore;
            serverCpu += ServerCpu.Seconds(port) - serverBefore;
            done += batch.Count;
            batch.Clear();
            while (checkpoints.Count > 0 && done >= checkpoints.Peek())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CHECK {checkpoints.Dequeue()} {Peak.RssMb():0}"));
            }
        }

        await foreach (var item in extractor.ExtractAsync("cess", new ExtractContext(NoCheckpoints.Instance), CancellationToken.None))
        {
            if (item.Payload is not null && transformer.Transform(item).Targets is [var record])
            {
                batch.Add(record);
                if (batch.Count == BatchSize)
                {
                    await FlushAsync();
                }
            }
        }

        await FlushAsync();
        if (loader is not null)
        {
            await loader.DisposeAsync();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"extract+transform {total.Elapsed.TotalSeconds - loadWatch.Elapsed.TotalSeconds:0.0} s for {done:N0} rows ({side}, the same work on both sides)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load: {loadWatch.Elapsed.TotalSeconds:0.0} s, of which the client process used {loadCpu.TotalSeconds:0.0} CPU s and paused {loadGcPause.TotalSeconds:0.00} s for GC, PostgreSQL {serverCpu:0.0} CPU s ({side}; whole run: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections of generation 0/1/2, {GC.GetTotalPauseDuration().TotalSeconds:0.00} s paused)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {loadWatch.Elapsed.TotalSeconds:0.000} {Peak.RssMb():0}"));
        return done == rows ? 0 : 1;
    }
}

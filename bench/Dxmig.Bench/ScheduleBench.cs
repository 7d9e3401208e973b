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
        var dxmig = await Peak.ChildAsync("measure-schedules", "dxmig", export, await postgres.CreateDatabaseAsync(), rows.ToString(CultureInfo.InvariantCulture));
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
        return 0;

        static double Staff(string output) => double.Parse(
            output.Split('\n').First(l => l.StartsWith("STAFF ", StringComparison.Ordinal))[6..].Trim(), CultureInfo.InvariantCulture);

        void Print(string side, (double Seconds, double RssMb, string Output) r)
        {
            var checks = string.Join(" / ", r.Output.Split('\n').Where(l => l.StartsWith("CHECK ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{side,-45} | {r.Seconds,6:0.0} | {rows / r.Seconds,10:N0} | {checks}"));
        }
    }

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

        // The 7,500 staff first, into the same database, by the same side (the "7,500 staff and 1,000,000 schedules").
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
            var serverBefore = ServerCpuSeconds(port);
            loadWatch.Start();
            await load(batch);
            loadWatch.Stop();
            self.Refresh();
            loadCpu += self.TotalProcessorTime - cpuBefore;
            loadGcPause += GC.GetTotalPauseDuration() - pauseBefore;
            serverCpu += ServerCpuSeconds(port) - serverBefore;
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

    /// <summary>CPU seconds spent so far by the PostgreSQL server listening on <paramref name="port"/> (postmaster and its live children: backends, WAL writer, checkpointer).</summary>
    private static double ServerCpuSeconds(int port)
    {
        var postmaster = Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit)).FirstOrDefault(pid =>
        {
            try
            {
                var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                return args.Length > 0 && args[0].EndsWith("/postgres", StringComparison.Ordinal) && string.Join(' ', args).Contains($"-p {port} ", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });
        if (postmaster is null)
        {
            return 0;
        }

        double ticks = 0;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (Path.GetFileName(dir) == postmaster || fields[1] == postmaster)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // a process that ended meanwhile
            }
        }

        return ticks / 100.0;
    }
}

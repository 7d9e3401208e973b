using System.Diagnostics;
using System.Globalization;
using Dxmig.Cli;
using Dxmig.Cli.Console;
using Dxmig.Sandbox.Samples;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.Contracts.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Bench;

/// <summary>
/// The address-book slice: dxmig (ledger, intent and confirmation per batch, accounting) against plain EF Core
/// (the same rows read by the same extractor, Add + SaveChanges per account, no ledger), on the same generated exports.
/// </summary>
internal static class AddressBookBench
{
    public static async Task<int> RunAsync(int accounts, int rows)
    {
        JapaneseEncodings.EnsureRegistered();
        var root = Path.Combine(Path.GetTempPath(), $"dxmig-bench-{Guid.NewGuid():N}");
        var keep = false;
        try
        {
            var exports = Path.Combine(root, "exports");
            var samples = AddressBookSamples.Write(exports, [.. Enumerable.Range(0, accounts).Select(i => $"user{i:0000}")], seed: 11, rows, rows);
            var bytes = samples.Files.Sum(f => new FileInfo(f).Length);
            var total = samples.ExpectedLoaded;
            Console.WriteLine($"corpus: {accounts} accounts, {total:N0} rows to load, {bytes / 1024.0 / 1024:0.0} MB of CSV (CP932 and UTF-8)");

            var job = Path.Combine(root, "job.yaml");
            var mappings = Path.Combine(FindRepo(), "mappings");
            await File.WriteAllTextAsync(job, $"""
                name: bench-addressbook
                kind: addressbook
                source:
                  type: activemail-addressbook-csv
                  directory: {exports}
                target:
                  type: platform-contacts
                  store: {Path.Combine(root, "dxmig-platform.db")}
                ledger: {Path.Combine(root, "ledger.db")}
                mappings:
                  fields: {mappings}/activemail-addressbook-fields.yaml
                  gaiji: {mappings}/gaiji.csv
                options:
                  parallelism: 4
                  batch-size: 500
                  reconcile: "off"
                logging:
                  folder: {Path.Combine(root, "logs")}
                """);

            // The children run with the runtime settings of the dxmig executable (Dxmig.Cli.csproj: TieredPGO off), not the bench's.
            Environment.SetEnvironmentVariable("DOTNET_TieredPGO", "0");
            Console.WriteLine("each side in its own process, DOTNET_TieredPGO=0 (as dxmig's runtimeconfig); dxmig's passes with `reconcile: off`, its reconciliation (on by default after a run) measured on its own");
            var first = await Peak.ChildAsync("measure-dxmig", job);
            var second = await Peak.ChildAsync("measure-dxmig", job);
            var reconcile = await Peak.ChildAsync("measure-dxmig", job, "reconcile");
            var floor = await Peak.ChildAsync(
                "measure-sqlite-floor", Path.Combine(root, "dxmig-platform.db"), "contacts", Path.Combine(root, "ledger.db"), Path.Combine(root, "floor"));
            var ef = await Peak.ChildAsync("measure-efcore", exports, Path.Combine(root, "efcore-platform.db"));
            var (storeRows, storeFloor, ledgerRows, ledgerFloor) = SqliteFloor.Parse(floor.Output);
            var bothFloor = storeFloor + ledgerFloor;

            Console.WriteLine();
            var pragmas = StoreConnections.SqlitePragmas.Replace("PRAGMA ", string.Empty, StringComparison.Ordinal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SQLite floor (same rows read back from dxmig's files into fresh files with the same tables and indexes, one transaction and one prepared INSERT per file, {pragmas}): store {storeRows:N0} rows {storeFloor:0.00} s; ledger {ledgerRows:N0} rows {ledgerFloor:0.00} s; store + ledger {bothFloor:0.00} s."));
            Console.WriteLine("% of floor = floor seconds / run seconds x 100, against store + ledger for dxmig (it writes both), against the store alone for EF Core.");
            Console.WriteLine();
            Console.WriteLine("| run | rows | seconds | rows/s | % of floor | throughput vs EF Core | CPU s | peak RSS MB |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            Row("SQLite floor: store rows only (one transaction, one prepared INSERT)", total, (storeFloor, double.NaN, string.Empty), storeFloor, ef.Seconds);
            Row("SQLite floor: store + ledger rows", total, (bothFloor, double.NaN, string.Empty), bothFloor, ef.Seconds);
            Row("dxmig first pass (ledger + store)", total, first, bothFloor, ef.Seconds);
            Row("dxmig no-change pass", total, second, bothFloor, ef.Seconds);
            Row("dxmig reconcile (source and store re-read, after every run unless `reconcile: off`)", total, reconcile, double.NaN, ef.Seconds);
            Row("plain EF Core (Add + SaveChanges per account, no ledger)", total, ef, storeFloor, ef.Seconds);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio first pass dxmig / EF Core: {ef.Seconds / first.Seconds:0.00}x the throughput; no-change pass: {ef.Seconds / second.Seconds:0.00}x; " +
                $"first pass {first.Seconds / bothFloor:0.00}x the store + ledger floor; no-change pass {second.Seconds * 100_000 / total:0.00} s per 100,000 rows"));
            if (Environment.GetEnvironmentVariable("DXMIG_BENCH_KEEP") == "1")
            {
                Console.WriteLine($"kept: {root}");
                keep = true;
            }

            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (!keep)
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    public static async Task<int> MeasureDxmigAsync(string job, string command = "run")
    {
        JapaneseEncodings.EnsureRegistered();
        var output = new StringWriter();
        var io = new CliIo(output, Console.Error, interactive: false, Environment.GetEnvironmentVariable, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        var code = await CliApp.RunAsync([command, job], io, () => CancellationToken.None);
        clock.Stop();
        if (code is not (0 or 1))
        {
            Console.WriteLine(output);
            return code;
        }

        PrintCpu();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {clock.Elapsed.TotalSeconds:0.000} {Peak.RssMb():0.0}"));
        return 0;
    }

    public static async Task<int> MeasureEfCoreAsync(string exports, string store)
    {
        JapaneseEncodings.EnsureRegistered();
        var clock = Stopwatch.StartNew();
        var location = StoreLocation.Parse(store, "/");
        await using (var loader = await PlatformContactsLoader.OpenAsync(location, TimeProvider.System, default))
        {
            // Only to create the table the same way.
        }

        var files = Directory.GetFiles(exports, "*.csv").ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f);
        var extractor = new AddressBookCsvExtractor(new AddressBookSourceOptions(files, CsvEncodingChoice.Auto, AddressBookFieldMap.Default), NullLogger<AddressBookCsvExtractor>.Instance);
        var options = StoreContextFactory.CreateOptions<PlatformDbContext>(location);
        var loaded = 0;
        foreach (var account in files.Keys.Order(StringComparer.Ordinal))
        {
            await using var db = new PlatformDbContext(options);
            await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), default))
            {
                if (item.Payload is not { } e || !System.Net.Mail.MailAddress.TryCreate(e.Email.Trim(), out _) && e.Email.Length > 0)
                {
                    continue;
                }

                db.Contacts.Add(new ContactEntity
                {
                    SourceSystem = item.Key.System,
                    OwnerAccount = account,
                    SourceNativeId = item.Key.NativeId,
                    ContentHash = item.ContentHash,
                    SourceLocation = item.Location,
                    DisplayName = e.Name,
                    Name = e.Name,
                    Kana = e.Kana,
                    Email = e.Email,
                    Organization = e.Organization,
                    Department = e.Department,
                    Title = e.Title,
                    Phone1 = e.Phone1,
                    Phone2 = e.Phone2,
                    Phone3 = e.Phone3,
                    Fax = e.Fax,
                    PostalCode = e.PostalCode,
                    Prefecture = e.Prefecture,
                    City = e.City,
                    Street = e.Street,
                    Url = e.Url,
                    Memo = e.Memo,
                    CreatedUtc = DateTime.UtcNow,
                    UpdatedUtc = DateTime.UtcNow,
                });
                loaded++;
            }

            await db.SaveChangesAsync();
        }

        clock.Stop();
        Console.WriteLine($"loaded {loaded}");
        PrintCpu();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {clock.Elapsed.TotalSeconds:0.000} {Peak.RssMb():0.0}"));
        return 0;
    }

    private static void Row(string name, int rows, (double Seconds, double RssMb, string Output) m, double floor, double ef)
    {
        var cpu = m.Output.Split('\n').LastOrDefault(l => l.StartsWith("CPU ", StringComparison.Ordinal))?[4..].Trim() ?? "-";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {rows:N0} | {m.Seconds:0.00} | {rows / m.Seconds:N0} | {(double.IsNaN(floor) ? "-" : (floor / m.Seconds * 100).ToString("0", CultureInfo.InvariantCulture) + "%")} | {ef / m.Seconds:0.00}x | {cpu} | {(double.IsNaN(m.RssMb) ? "-" : m.RssMb.ToString("0", CultureInfo.InvariantCulture))} |"));
    }

    /// <summary>The CPU this process used (user + system), for the child's output: development figures on a shared machine.</summary>
    internal static void PrintCpu() =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:0.00}"));

    private static string FindRepo()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Migration.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Migration.sln not found");
    }

}

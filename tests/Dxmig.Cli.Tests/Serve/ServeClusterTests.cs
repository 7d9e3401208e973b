using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>Two <c>dxmig serve</c> processes sharing one PostgreSQL scheduler store, ledger and target.</summary>
public sealed class ServeClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly CliHarness cli = new();
    private readonly List<(Process Process, StringBuilder Output)> nodes = [];

    public void Dispose()
    {
        foreach (var (process, _) in nodes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        cli.Dispose();
    }

    [Fact]
    public async Task TwoNodes_OneKilledMidRun_TheOtherTakesItsAccountsOver_AndEveryContactIsLoadedExactlyOnce()
    {
        var samples = cli.Samples(accounts: 24, minRows: 1500, maxRows: 1800);
        var ledger = await postgres.Server.CreateDatabaseAsync();
        var store = await postgres.Server.CreateDatabaseAsync();
        var scheduler = await postgres.Server.CreateDatabaseAsync();
        // Fires once, a few seconds after both nodes are up.
        var fireAt = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddSeconds(12), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var cron = string.Create(CultureInfo.InvariantCulture, $"{fireAt.Second} {fireAt.Minute} {fireAt.Hour} {fireAt.Day} {fireAt.Month} ? {fireAt.Year}");
        var job = cli.JobFile(batchSize: 25, parallelism: 2, extra: $"schedule:\n  cron: \"{cron}\"");
        await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(job))
            .Replace("store: ../state/platform.db", $"store: {store}", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger: {ledger}", StringComparison.Ordinal));

        var a = StartNode("node-a", scheduler);
        var b = StartNode("node-b", scheduler);
        var loaded = await WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'", n => n >= 3000, TimeSpan.FromSeconds(40));
        var holder = await ScalarAsync(ledger, "SELECT \"ProcessId\" FROM ledger_job_leases");
        var (victim, survivor) = holder == a.Id ? (a, b) : (b, a);
        victim.Id.Should().Be((int)holder, "the lease is held by one of the two nodes");
        victim.Kill(entireProcessTree: true);
        await victim.WaitForExitAsync();

        loaded.Should().BeLessThan(samples.ExpectedLoaded, "the kill must land mid-run");
        // The bound covers Quartz noticing the dead node (its check-in interval) and a whole recovered run of 24 accounts
        // on 2 cores shared with the other test classes: a completion bound, not a speed figure (45 s was missed by a
        // recovered run still going, 22 of 24 accounts done, while another build shared the machine).
        await WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_runs WHERE \"Outcome\" IN ('Succeeded', 'CompletedWithQuarantine')", n => n >= 1, TimeSpan.FromSeconds(120));
        await using (var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(store, "/"))))
        {
            var inStore = await db.Contacts.CountAsync();
            var distinct = await db.Contacts.Select(c => new { c.SourceSystem, c.OwnerAccount, c.SourceNativeId }).Distinct().CountAsync();
            var reasons = (await RowsAsync(ledger, "SELECT COALESCE(\"Code\", 'unknown'), COUNT(*)::int FROM ledger_items WHERE \"State\" = 'Quarantined' GROUP BY 1"))
                .ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
            ChaosTally.Record("address books, serve cluster of 2 on PostgreSQL, the node that started the run SIGKILLed mid-run", faults: 0, kills: 1, runs: 1,
                samples.ExpectedLoaded, Math.Max(0, samples.ExpectedLoaded - distinct), inStore - distinct, reasons);
            inStore.Should().Be(samples.ExpectedLoaded, Logs());
        }

        (await ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'")).Should().Be(samples.ExpectedLoaded);
        (await ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Pending'")).Should().Be(0);
        var runs = await RowsAsync(ledger, "SELECT \"Outcome\", \"ProcessId\" FROM ledger_runs ORDER BY \"StartedUtc\"");
        // One cluster run: started by the killed node, joined by the survivor, which took the dead node's accounts over.
        runs.Should().Equal([("CompletedWithQuarantine", victim.Id)], Logs());
        Output(survivor).Should().Contain("test-addressbook: 実行を開始します / starting (recovery)");

        // SIGTERM: the survivor stops cleanly.
        using (var term = Process.Start("kill", ["-TERM", survivor.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await survivor.WaitForExitAsync(timeout.Token);
        survivor.ExitCode.Should().Be(0, Logs());
        Output(survivor).Should().Contain("dxmig serve: 停止しました / stopped");
    }

    private Process StartNode(string name, string scheduler)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            RepoPaths.DxmigDll, "serve", "--jobs", Path.Combine(cli.Folder, "jobs"),
            "--store", scheduler, "--node", name, "--checkin-interval", "00:00:02",
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DXMIG_HOME"] = Path.Combine(cli.Folder, "home-" + name);
        info.Environment["DXMIG_PLAIN"] = "1";
        var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        nodes.Add((process, output));
        return process;
    }

    private string Output(Process process)
    {
        var output = nodes.Single(n => n.Process == process).Output;
        lock (output)
        {
            return output.ToString();
        }
    }

    private string Logs() => string.Join("\n", nodes.Select(n => $"--- node pid {n.Process.Id} ---\n{Output(n.Process)}"));

    private Task<long> WaitAsync(string database, string sql, Func<long, bool> done, TimeSpan limit) =>
        PgRead.WaitAsync(database, sql, done, limit, Logs);

    private static Task<long> ScalarAsync(string database, string sql) => PgRead.ScalarAsync(database, sql);

    private static async Task<List<(string, int)>> RowsAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1)));
        }

        return rows;
    }
}

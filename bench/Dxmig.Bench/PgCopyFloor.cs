using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Dxmig.Bench;

/// <summary>
/// PostgreSQL's own floor for a load: the very rows dxmig loaded, written out once by <c>psql</c>'s
/// <c>\copy TABLE TO</c> (text format, psql's natural one, or binary) into a file on tmpfs, then loaded by
/// <c>psql -c "\copy TABLE FROM file"</c> into an empty copy of the table (schema and indexes created by dxmig's own store
/// schema), timed around psql's process alone (start, connect, one COPY in one transaction, exit) on the same private
/// server. Also the CPU PostgreSQL spent meanwhile.
/// </summary>
internal sealed class PgCopyFloor : IDisposable
{
    private readonly string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"dxmig-bench-floor-{Guid.NewGuid():N}");

    public PgCopyFloor() => Directory.CreateDirectory(folder);

    /// <summary>psql of the newest installed PostgreSQL (the one <see cref="TestSupport.PostgresServer"/> runs), or the one on the PATH.</summary>
    public static string Psql { get; } =
        (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")).Where(File.Exists).OrderDescending().FirstOrDefault()
            : null) ?? "psql";

    /// <summary>Writes <paramref name="table"/> of <paramref name="connection"/> to a file (rows in the table's order); returns its path.</summary>
    public async Task<string> ExportAsync(string connection, string table, bool binary)
    {
        var file = Path.Combine(folder, $"{table}.{(binary ? "bin" : "txt")}");
        await RunPsqlAsync(connection, $"\\copy {table} TO '{file}'{(binary ? " WITH (FORMAT binary)" : string.Empty)}");
        return file;
    }

    /// <summary>
    /// Loads <paramref name="file"/> into <paramref name="table"/> by psql: the wall seconds of psql's process, its CPU
    /// seconds and PostgreSQL's CPU seconds meanwhile.
    /// </summary>
    /// <exception cref="InvalidOperationException">psql failed, or did not copy <paramref name="rows"/> rows.</exception>
    public static async Task<FloorLoad> LoadAsync(string connection, string table, string file, bool binary, int rows)
    {
        var port = new NpgsqlConnectionStringBuilder(connection).Port;
        var serverBefore = ServerCpu.Seconds(port);
        var clientBefore = ReapedChildrenCpuSeconds();
        var watch = Stopwatch.StartNew();
        var output = await RunPsqlAsync(connection, $"\\copy {table} FROM '{file}'{(binary ? " WITH (FORMAT binary)" : string.Empty)}");
        var seconds = watch.Elapsed.TotalSeconds;
        var client = ReapedChildrenCpuSeconds() - clientBefore;
        var server = ServerCpu.Seconds(port) - serverBefore;
        if (output != string.Create(CultureInfo.InvariantCulture, $"COPY {rows}"))
        {
            throw new InvalidOperationException($"psql copied other than {rows} rows into {table}: {output}");
        }

        return new FloorLoad(seconds, client, server);
    }

    /// <summary>CPU seconds of this process's children that have ended and been waited for (Linux cutime + cstime).</summary>
    private static double ReapedChildrenCpuSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// VACUUM ANALYZE of the database a side has just loaded, untimed: the autovacuum its load has earned runs now, not
    /// during the floor's COPY.
    /// </summary>
    public static async Task SettleAsync(string connection) => await RunPsqlAsync(connection, "VACUUM ANALYZE");

    /// <summary>The rows of <paramref name="table"/>.</summary>
    public static async Task<long> CountAsync(string connection, string table)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table}\"", db);
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Every table of the database with rows, and its row count: <c>table n, …</c>.</summary>
    public static async Task<string> RowCountsAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", db))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new List<string>();
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table}\"", db);
            if (Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture) is var n and > 0)
            {
                counts.Add(string.Create(CultureInfo.InvariantCulture, $"{table} {n:N0}"));
            }
        }

        return string.Join(", ", counts);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task<string> RunPsqlAsync(string connection, string command)
    {
        var c = new NpgsqlConnectionStringBuilder(connection);
        var info = new ProcessStartInfo(Psql) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-X", "-v", "ON_ERROR_STOP=1", "-h", c.Host!, "-p", c.Port.ToString(CultureInfo.InvariantCulture), "-U", c.Username!, "-d", c.Database!, "-c", command })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql {command} failed ({process.ExitCode}): {await output}{await error}");
        }

        return (await output).Trim();
    }
}

/// <summary>One psql load: its wall seconds, psql's CPU seconds, PostgreSQL's CPU seconds.</summary>
internal sealed record FloorLoad(double Seconds, double ClientCpu, double ServerCpu);

/// <summary>The CPU a private PostgreSQL server has spent.</summary>
internal static class ServerCpu
{
    /// <summary>
    /// CPU seconds spent so far by the PostgreSQL server listening on <paramref name="port"/>: the postmaster, its live
    /// children (backends, WAL writer, checkpointer) and the children it has reaped (a psql's backend ends with psql).
    /// </summary>
    public static double Seconds(int port)
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

                if (Path.GetFileName(dir) == postmaster)
                {
                    ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
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

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Dxmig.TestSupport.Jobs;

/// <summary>
/// Nodes of a dxmig cluster as real processes, each on its own host name: every node runs in a UTS namespace of its
/// own (<c>unshare --uts</c>, as root; through a user namespace otherwise) where <c>hostname</c> is set before dxmig
/// starts, so <c>Environment.MachineName</c> differs from node to node as on separate machines. Signals as an operator
/// or the machine sends them: SIGKILL, SIGSTOP/SIGCONT (a frozen process), SIGTERM.
/// </summary>
public sealed class ClusterNodes(IReadOnlyDictionary<string, string> environment, string folder) : IDisposable
{
    private readonly List<ClusterNode> nodes = [];

    public IReadOnlyList<ClusterNode> All => nodes;

    /// <summary><c>dxmig serve</c> on host <paramref name="name"/> (also its <c>--node</c>).</summary>
    public ClusterNode StartServe(string name, string jobs, string scheduler) =>
        Start(name, ["serve", "--jobs", jobs, "--store", scheduler, "--node", name, "--checkin-interval", "00:00:02"]);

    /// <summary><c>dxmig run JOB</c> on host <paramref name="name"/>, its node name from <c>DXMIG_NODE</c>.</summary>
    public ClusterNode StartRun(string name, string job) => Start(name, ["run", job], node: name);

    public ClusterNode Node(string name) => nodes.Single(n => n.Name == name);

    /// <summary>What every node wrote, for a failing assertion's message.</summary>
    public string Logs() => string.Join("\n", nodes.Select(n => $"--- {n.Name} (pid {n.Process.Id}) ---\n{n.Output}"));

    public void Dispose()
    {
        foreach (var node in nodes)
        {
            node.Dispose();
        }
    }

    private ClusterNode Start(string name, IReadOnlyList<string> arguments, string? node = null)
    {
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Environment.UserName != "root")
        {
            info.ArgumentList.Add("--user");
            info.ArgumentList.Add("--map-root-user");
        }

        foreach (var arg in new[] { "--uts", "--", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", name, "dotnet", RepoPaths.DxmigDll })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["DXMIG_HOME"] = Path.Combine(folder, "home-" + name);
        info.Environment["DXMIG_PLAIN"] = "1";
        if (node is not null)
        {
            info.Environment["DXMIG_NODE"] = node;
        }

        SecretScan.RegisterVariables(environment);
        var started = new ClusterNode(name, Process.Start(info)!);
        nodes.Add(started);
        return started;
    }
}

/// <summary>One node process and what it wrote.</summary>
public sealed class ClusterNode : IDisposable
{
    private readonly StringBuilder output = new();

    internal ClusterNode(string name, Process process)
    {
        Name = name;
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, Process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task WaitForOutputAsync(string text, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not write \"{text}\" within {limit}:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Signal("CONT");
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        SecretScan.KeepText("cluster-node", Output);
        Process.Dispose();
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

/// <summary>Small reads of a PostgreSQL database the tests watch (the ledger of a cluster run).</summary>
public static class PgRead
{
    public static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? -1L : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public static async Task<List<object?[]>> RowsAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Polls until <paramref name="done"/> holds for the query's value (a missing table counts as not yet).</summary>
    public static async Task<long> WaitAsync(string database, string sql, Func<long, bool> done, TimeSpan limit, Func<string> context)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(context);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var value = await ScalarAsync(database, sql);
                if (done(value))
                {
                    return value;
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // The ledger's tables are not there yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"waited {limit} for: {sql}\n{context()}");
    }
}

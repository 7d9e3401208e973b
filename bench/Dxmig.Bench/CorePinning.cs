using System.Diagnostics;
using System.Globalization;
using Dxmig.Sandbox;

namespace Dxmig.Bench;

/// <summary>
/// The mail benchmarks' production-like mode (issue 19), their default: the Dovecot servers (source and targets) on
/// core 0, as if they were remote and their CPU not the tool's, and the measured tool (dxmig, mbsync, the floor client)
/// on core 1, each under <c>taskset -c 1</c>. A server is pinned once it has started (after the corpus is filled): its
/// master process and every child running then, all threads (<c>taskset -a -p</c>); the processes it forks later
/// inherit the master's core. The bench's own coordinating process goes to core 0 as well (it only waits while a tool
/// runs). <c>DXMIG_BENCH_CORES=shared</c> pins nothing (the bench before issue 19); with fewer than two cores nothing
/// can be pinned and the bench says so.
/// </summary>
internal static class CorePinning
{
    public const string ServerCore = "0";
    public const string ToolCore = "1";

    /// <summary>Whether this run pins (the default on a machine with at least two cores).</summary>
    public static bool Enabled { get; } =
        !string.Equals(Environment.GetEnvironmentVariable("DXMIG_BENCH_CORES"), "shared", StringComparison.OrdinalIgnoreCase)
        && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");

    /// <summary>The line the benches print about who ran where.</summary>
    public static string Describe() => Enabled
        ? "cores (production-like mode, the default): core 0 = the Dovecot servers (source and targets, as if remote) and this bench's coordinator (idle while a tool runs); core 1 = the measured tool alone (dxmig, mbsync, the floor client), each under taskset -c 1. Other processes on this machine are not pinned and may use either core. DXMIG_BENCH_CORES=shared pins nothing"
        : $"cores: nothing pinned ({(Environment.ProcessorCount < 2 ? "fewer than two cores" : "DXMIG_BENCH_CORES=shared")}): the tools, the Dovecot servers and whatever else runs here share the machine's {Environment.ProcessorCount} core(s)";

    /// <summary>The command that runs <paramref name="file"/> on the tool's core (unchanged when not pinning).</summary>
    public static (string File, IReadOnlyList<string> Args) OnToolCore(string file, IReadOnlyList<string> args) =>
        Enabled ? ("/usr/bin/taskset", ["-c", ToolCore, file, .. args]) : (file, args);

    /// <summary>Pins a started server (all its processes and threads) to the servers' core; returns where its master process may run.</summary>
    public static async Task<string> PinServerAsync(DovecotServer server)
    {
        if (!Enabled)
        {
            return "any core";
        }

        var master = Pids().FirstOrDefault(p => ProcessTree.Read($"/proc/{p}/cmdline")?.Replace('\0', ' ').Contains(server.ConfigPath, StringComparison.Ordinal) == true);
        if (master == 0)
        {
            throw new InvalidOperationException($"the Dovecot of {server.ConfigPath} was not found in /proc");
        }

        var tree = Pids().Where(p => p == master || ParentOf(p) == master).ToList();
        foreach (var pid in tree)
        {
            await TasksetAsync(pid);
        }

        return CoresOf(master);
    }

    /// <summary>Pins this process (every thread, and so the threads and children it starts later) to the servers' core.</summary>
    public static Task PinSelfAsync() => Enabled ? TasksetAsync(Environment.ProcessId) : Task.CompletedTask;

    /// <summary>The CPUs a process may run on (/proc/PID/status Cpus_allowed_list).</summary>
    public static string CoresOf(int pid) =>
        ProcessTree.Read($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status")?.Split('\n')
            .FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";

    private static async Task TasksetAsync(int pid)
    {
        var info = new ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-a", "-p", "-c", ServerCore, pid.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        // A child that ended meanwhile cannot be pinned and need not be.
        if (process.ExitCode != 0 && Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
        {
            throw new InvalidOperationException($"taskset -p {pid} failed: {await error}");
        }
    }

    private static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(p => p > 0);

    private static int ParentOf(int pid)
    {
        var stat = ProcessTree.Read($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        return stat is null ? 0 : int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }
}

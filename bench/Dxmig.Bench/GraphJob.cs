using System.Globalization;
using Dxmig.GraphEmulator;
using Dxmig.Sandbox;

namespace Dxmig.Bench;

/// <summary>
/// What the Graph benchmarks share: the product's development build, the emulator with the scaled budgets, the example
/// IMAP → Graph job copied with the bench's settings, and the environment it reads.
/// </summary>
internal static class GraphJob
{
    public const string Name = "mail-imap-to-graph";

    /// <summary>The development build of dxmig (<c>.dxmig/bin/dxmig.dll</c>); null, said on standard error, when it is not built.</summary>
    public static string? ProductDll(string repo)
    {
        var dxmig = Path.Combine(repo, ".dxmig", "bin", "dxmig.dll");
        if (File.Exists(dxmig))
        {
            return dxmig;
        }

        Console.Error.WriteLine("build dxmig first: ./dxmig --help");
        return null;
    }

    public static string Upn(string user) => $"{user}@pref.example.jp";

    public static Task<GraphEmulator.GraphEmulator> StartEmulatorAsync(IEnumerable<string> users, ThrottlingSettings budgets) =>
        GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. users.Select(Upn)], Throttling = budgets, MaxMessageBytes = 150L * 1024 * 1024 },
            CancellationToken.None);

    public static string Budgets(double scale, ThrottlingSettings budgets) => string.Create(CultureInfo.InvariantCulture,
        $"budgets per mailbox (scale {scale}): {budgets.RequestLimit} requests per {budgets.RequestWindow.TotalSeconds:0.#} s, {budgets.UploadByteLimit / 1048576.0:0.##} MiB per {budgets.UploadWindow.TotalSeconds:0.#} s ({budgets.UploadByteLimit / 1048576.0 / budgets.UploadWindow.TotalSeconds:0.##} MiB/s), {budgets.MaxConcurrentRequests} at once");

    /// <summary>
    /// Writes the accounts file (each user to its UPN) and the example job into <paramref name="folder"/>, with the
    /// repository's mappings, <paramref name="parallelism"/>, the 150 MB message limit, and reconciliation after the
    /// run when <paramref name="reconcile"/>; returns the job file and the accounts file.
    /// </summary>
    public static async Task<(string Job, string Accounts)> WriteAsync(string repo, string folder, IEnumerable<string> users, int parallelism, bool reconcile)
    {
        var accounts = Path.Combine(folder, "accounts.csv");
        await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{Upn(u)}\n")));
        var job = Path.Combine(folder, $"{Name}.yaml");
        await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", $"{Name}.yaml")))
            .Replace(": mappings/", ": " + Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
            .Replace("parallelism: 8", $"parallelism: {parallelism}", StringComparison.Ordinal)
            .Replace("  batch-size: 100", reconcile ? "  batch-size: 100" : "  reconcile: off\n  batch-size: 100", StringComparison.Ordinal)
            .Replace("  # max-message-size: 157286400", "  max-message-size: 157286400", StringComparison.Ordinal));
        return (job, accounts);
    }

    /// <summary>The environment the example job reads: the source Dovecot (master login, plain on loopback), the accounts, the ledger, the emulator.</summary>
    public static Dictionary<string, string> Environment(DovecotServer source, string accounts, string ledger, GraphEmulator.GraphEmulator graph)
    {
        var environment = new Dictionary<string, string>
        {
            ["DXMIG_SRC_HOST"] = source.Host,
            ["DXMIG_SRC_PORT"] = source.Port.ToString(CultureInfo.InvariantCulture),
            ["DXMIG_SRC_SECURITY"] = "none",
            ["DXMIG_SRC_ADMIN_USER"] = source.MasterUser,
            ["DXMIG_SRC_ADMIN_PASSWORD"] = source.MasterPassword,
            ["DXMIG_ACCOUNTS"] = accounts,
            ["DXMIG_LEDGER"] = ledger,
            ["DXMIG_PLAIN"] = "1",
        };
        foreach (var (key, value) in graph.JobEnvironment())
        {
            environment[key] = value;
        }

        return environment;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Scheduling;
using Dxmig.Sandbox;
using Dxmig.TestSupport;
using Npgsql;

namespace Dxmig.Bench;

/// <summary>
/// One job's mailboxes spread over 1, 2, then 3 nodes: each node a separate <c>dotnet dxmig.dll run JOB</c> process with
/// its own <c>DXMIG_NODE</c> and the job's <c>parallelism</c>, all started at the same moment against one PostgreSQL
/// ledger, so that they join one run and split its accounts (issue 14). IMAP source in Dovecot, the Graph emulator with
/// Outlook's per-mailbox budgets shrunk in time by SCALE (as <see cref="GraphBench"/>), a fresh emulator and a fresh
/// ledger database for each node count. Per node count: wall time, MB/s moved against the budgets' ceiling, dxmig CPU
/// seconds per GB, peak RSS per node and per mailbox in flight, and which node ran how many mailboxes.
/// </summary>
internal static class ClusterBench
{
    private const double MiB = 1048576.0;

    public static async Task<int> RunAsync(int mailboxes, int messages, double scale, int parallelism, IReadOnlyList<int> nodeCounts, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = MailBench.FindRepo();
        if (GraphJob.ProductDll(repo) is not { } dxmig)
        {
            return 2;
        }

        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        var root = Path.Combine(parent ?? Path.GetTempPath(), $"dxmig-clusterbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var budgets = new ThrottlingSettings().Scaled(scale);
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass"), ParentDirectory = parent });
        await using var postgres = await PostgresServer.StartAsync();
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 11, MessagesPerMailbox = messages, Sizes = sizes }).FillAsync(source, users);
            var total = manifest.Messages.Count();
            var moved = manifest.TotalBytes;
            var bytes = users.ToDictionary(u => u, u => manifest[u].Messages.Sum(m => m.Size), StringComparer.Ordinal);
            var messagesOf = users.ToDictionary(u => u, u => manifest[u].Messages.Count, StringComparer.Ordinal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus: {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {moved / MiB:N1} MB; parallelism {parallelism} per node; node counts {string.Join(", ", nodeCounts)}"));
            Console.WriteLine(GraphJob.Budgets(scale, budgets));
            await WarmAsync(source, users);

            // Reconciliation after the run off: the passes time the copy, which is what the nodes share.
            var (job, accounts) = await GraphJob.WriteAsync(repo, root, users, parallelism, reconcile: false);

            var passes = new List<Pass>();
            foreach (var nodes in nodeCounts)
            {
                var pass = await PassAsync(new PassSetup(nodes, parallelism, dxmig, job, Path.Combine(root, $"nodes{nodes}"), users, budgets, accounts, bytes, messagesOf), source, postgres);
                passes.Add(pass);
                Print(pass);
            }

            Summarise(passes, mailboxes, total, moved, budgets);
            return passes.All(p => p.Stored == total && p.Doubled == 0 && p.Refused.Count == 0 && p.Failed.Count == 0) ? 0 : 1;
        }
        finally
        {
            // DXMIG_BENCH_KEEP=1 keeps the job, the accounts and every node's logs for a look afterwards.
            if (Environment.GetEnvironmentVariable("DXMIG_BENCH_KEEP") is { Length: > 0 })
            {
                Console.WriteLine($"kept: {root}");
            }
            else
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static double UploadRate(ThrottlingSettings budgets) => budgets.UploadByteLimit / MiB / budgets.UploadWindow.TotalSeconds;

    /// <summary>Reads every mailbox once, untimed, so that the first node count does not pay for Dovecot building its caches.</summary>
    private static async Task WarmAsync(DovecotServer source, IReadOnlyList<string> users)
    {
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(users.Select(async u =>
        {
            await gate.WaitAsync();
            try
            {
                using var client = await source.ConnectAsMasterAsync(u);
                await ImapMailboxReader.ReadMessagesAsync(client);
                await client.DisconnectAsync(true);
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"source read once before timing (its caches built) in {clock.Elapsed.TotalSeconds:N1} s"));
    }

    private static async Task<Pass> PassAsync(PassSetup setup, DovecotServer source, PostgresServer postgres)
    {
        var users = setup.Users;
        await using var graph = await GraphJob.StartEmulatorAsync(users, setup.Budgets);
        var ledger = await postgres.CreateDatabaseAsync();
        var names = Enumerable.Range(1, setup.Nodes).Select(i => $"node-{i}").ToList();
        var homes = names.ToDictionary(n => n, n => Path.Combine(setup.Folder, n));
        var environment = GraphJob.Environment(source, setup.Accounts, ledger, graph);

        var load = ProcessTree.LoadAverage();
        var (dovecot0, postgres0, emulator0, machine0) = (DovecotCpu(source), PostgresCpu(postgres), OwnCpu(), ProcessTree.MachineBusySeconds());
        var watch = new MailboxWatch(graph, setup.Messages);
        var clock = Stopwatch.StartNew();
        // Every node at the same moment: each its own process, its own DXMIG_NODE and DXMIG_HOME (so its own log folder).
        var runs = await Task.WhenAll(names.Select(async name =>
        {
            var own = new Dictionary<string, string>(environment) { ["DXMIG_NODE"] = name, ["DXMIG_HOME"] = homes[name] };
            var timed = await MailBench.RunTimedAsync("dotnet", [setup.Dxmig, "run", setup.Job], own);
            return new NodeRun(name, timed);
        }));
        var wall = clock.Elapsed.TotalSeconds;
        await watch.DisposeAsync();
        var (dovecotCpu, postgresCpu, emulatorCpu, machineCpu) =
            (DovecotCpu(source) - dovecot0, PostgresCpu(postgres) - postgres0, OwnCpu() - emulator0, ProcessTree.MachineBusySeconds() - machine0);

        var usage = users.Select(u => MailboxUsage.Of(graph, GraphJob.Upn(u))).ToList();
        var slots = Math.Min(users.Count, setup.Nodes * setup.Parallelism);
        var (perNode, basis) = await DistributionAsync(ledger, names, homes);
        return new Pass(setup, runs, wall, load, LaneCeiling(usage, setup.Budgets, slots), slots,
            usage.Sum(u => u.Bytes), usage.Sum(u => u.Stored), usage.Sum(u => u.Doubled), perNode, basis, emulatorCpu, dovecotCpu, postgresCpu, machineCpu)
        {
            StartedAt = [.. watch.StartedAt.Values.Order()],
            DoneAt = [.. watch.DoneAt.Values.Order()],
        };
    }

    /// <summary>
    /// The fastest the budgets allow with <paramref name="slots"/> mailboxes at once: each mailbox's own ceiling (its
    /// budgets are its own), laid over the slots in order as <c>dxmig plan</c> lays accounts over lanes.
    /// </summary>
    private static double LaneCeiling(IEnumerable<MailboxUsage> usage, ThrottlingSettings budgets, int slots) =>
        MigrationPlanner.Lanes(usage.Select(u => TimeSpan.FromSeconds(u.CeilingSeconds(budgets))), slots).TotalSeconds;

    private static double DovecotCpu(DovecotServer server) =>
        ProcessTree.CpuSeconds(cmdline => cmdline.Contains(server.ConfigPath, StringComparison.Ordinal));

    private static double PostgresCpu(PostgresServer server) =>
        ProcessTree.CpuSeconds(cmdline => cmdline.Contains("/postgres ", StringComparison.Ordinal) && cmdline.Contains($"-p {server.Port} ", StringComparison.Ordinal));

    /// <summary>This process's CPU: the Graph emulator runs in it (plus this bench's light bookkeeping).</summary>
    private static double OwnCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>
    /// Which node ran which mailboxes, from the first source that answers: the work table of the run
    /// (<c>ledger_run_work</c>, one row per account with the node that holds or held it), else the run accounts joined
    /// with their runs when those name the bench's nodes, else each node's own log folder (the accounts its log lines
    /// carry: a node logs only the accounts it ran).
    /// </summary>
    private static async Task<(Dictionary<string, List<string>> PerNode, string Basis)> DistributionAsync(
        string ledger, List<string> names, Dictionary<string, string> homes)
    {
        static Dictionary<string, List<string>> ByNode(List<(string Node, string Account)> rows) =>
            rows.GroupBy(r => r.Node, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.Account).ToList(), StringComparer.Ordinal);

        await using (var connection = new NpgsqlConnection(ledger))
        {
            await connection.OpenAsync();
            var work = await RowsAsync(connection, "SELECT coalesce(\"Node\", '(unclaimed)'), \"Account\" FROM ledger_run_work");
            if (work is { Count: > 0 })
            {
                var states = await RowsAsync(connection, "SELECT \"State\"::text, count(*)::text FROM ledger_run_work GROUP BY 1");
                return (ByNode(work), "ledger_run_work" + (states is null ? string.Empty : $" (states: {string.Join(", ", states.Select(s => $"{s.Node} {s.Account}"))})"));
            }

            var accounts = await RowsAsync(connection,
                "SELECT r.\"Node\", a.\"Account\" FROM ledger_run_accounts a JOIN ledger_runs r ON r.\"RunId\" = a.\"RunId\"");
            if (accounts is { Count: > 0 } && accounts.All(a => names.Contains(a.Node)))
            {
                return (ByNode(accounts), "ledger_run_accounts joined with ledger_runs");
            }
        }

        return (names.ToDictionary(n => n, n => LoggedAccounts(Path.Combine(homes[n], "logs")).Order(StringComparer.Ordinal).ToList()),
            "each node's log (accounts in its log lines)");
    }

    /// <summary>Pairs of the first two columns as text; null when the table or a column is not there (SQLSTATE 42P01, 42703).</summary>
    private static async Task<List<(string Node, string Account)>?> RowsAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var result = new List<(string, string)>();
            while (await reader.ReadAsync())
            {
                result.Add((reader.GetString(0), reader.GetString(1)));
            }

            return result;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn)
        {
            return null;
        }
    }

    private static HashSet<string> LoggedAccounts(string folder)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            return accounts;
        }

        foreach (var line in Directory.EnumerateFiles(folder, "*.jsonl", SearchOption.AllDirectories).SelectMany(File.ReadLines))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.TryGetProperty("account", out var account) && account.GetString() is { Length: > 0 } name)
                {
                    accounts.Add(name);
                }
            }
            catch (JsonException)
            {
                // A line cut by the end of the run: not an account line.
            }
        }

        return accounts;
    }

    private static void Print(Pass pass)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{pass.Setup.Nodes} node(s), started together (1-minute load average before, the bench's own filling included: {pass.Load}): wall {pass.Wall:0.0} s, {pass.BytesAdmitted / MiB:0.0} MiB admitted by the emulator, {pass.Stored:N0} messages there ({pass.Doubled} doubled)"));
        Console.WriteLine("| node | exit | seconds | CPU s (user+sys) | peak RSS MB | mailboxes run | first error line |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var run in pass.Runs)
        {
            var error = run.Timed.ExitCode is 0 or 1 ? string.Empty : FirstProblem(run.Timed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run.Node} | {run.Timed.ExitCode} | {run.Timed.Measured.Seconds:0.0} | {run.Timed.Measured.CpuSeconds:0.0} | {run.Timed.Measured.RssMb:0} | {pass.PerNode.GetValueOrDefault(run.Node)} | {error} |"));
        }

        foreach (var (node, count) in pass.PerNode.Where(p => !pass.Runs.Any(r => r.Node == p.Key)))
        {
            Console.WriteLine($"| {node} | – | – | – | – | {count} | |");
        }

        Console.WriteLine($"mailboxes per node from: {pass.Basis}");
        if (pass.StartedAt.Count > 0 && pass.DoneAt.Count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mailboxes on the target (watched every 0.25 s): the first began at {pass.StartedAt[0]:0.0} s, all {Math.Min(pass.Slots, pass.StartedAt.Count)} first slots filled by {pass.StartedAt[Math.Min(pass.Slots, pass.StartedAt.Count) - 1]:0.0} s; done: first {pass.DoneAt[0]:0.0} s, median {pass.DoneAt[pass.DoneAt.Count / 2]:0.0} s, last {pass.DoneAt[^1]:0.0} s"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU s during the pass: dxmig nodes {pass.DxmigCpu:0.0}, Graph emulator (this bench process) {pass.EmulatorCpu:0.0}, Dovecot {pass.DovecotCpu:0.0}, PostgreSQL {pass.PostgresCpu:0.0}, everything else on the machine {pass.MachineCpu - pass.DxmigCpu - pass.EmulatorCpu - pass.DovecotCpu - pass.PostgresCpu:0.0}; the cores were busy {pass.MachineCpu:0} of the {Environment.ProcessorCount * pass.Wall:0} CPU s they had"));
        foreach (var run in pass.Refused)
        {
            Console.WriteLine($"{run.Node} did not join the run (the account-level work distribution is not in this build): {FirstProblem(run.Timed)}");
        }
    }

    private static string FirstProblem(MailBench.Timed timed) =>
        (timed.Error + "\n" + timed.Output).Split('\n').FirstOrDefault(l => l.Contains("job ", StringComparison.Ordinal) || l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim()
        ?? (timed.Error + timed.Output).Split('\n').FirstOrDefault(l => l.Length > 0)?.Trim() ?? string.Empty;

    private static void Summarise(IReadOnlyList<Pass> passes, int mailboxes, int total, long moved, ThrottlingSettings budgets)
    {
        var rate = UploadRate(budgets);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary: {mailboxes} mailboxes, {moved / MiB:N1} MB moved (source bytes), budgets' ceiling for all mailboxes at once {mailboxes * rate:0.#} MiB/s ({mailboxes} × {rate:0.##} MiB/s)"));
        Console.WriteLine("| nodes | parallelism each | mailboxes in flight | wall s | budgets' ceiling s (these slots) | of the ceiling | MB/s moved | budgets' rate for these slots MiB/s | dxmig CPU s | CPU s per GB | peak RSS per node MB | per mailbox in flight MB | mailboxes per node | lost / doubled |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var p in passes)
        {
            var rss = p.Runs.Select(r => r.Timed.Measured.RssMb).ToList();
            // A node holds at most its parallelism in flight, fewer when it ran fewer; a node that ran none is left out.
            var inFlight = p.Runs.Where(r => p.PerNode.GetValueOrDefault(r.Node, p.Setup.Parallelism) > 0)
                .Select(r => r.Timed.Measured.RssMb / Math.Min(p.Setup.Parallelism, p.PerNode.GetValueOrDefault(r.Node, p.Setup.Parallelism))).DefaultIfEmpty(double.NaN).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Setup.Nodes}{(p.Refused.Count > 0 ? " (not joined)" : string.Empty)} | {p.Setup.Parallelism} | {p.Slots} | {p.Wall:0.0} | {p.Ceiling:0} | {Share(p)} | {moved / MiB / p.Wall:0.00} | {p.Slots * rate:0.0} | {p.DxmigCpu:0.0} | {p.DxmigCpu / (moved / MiB / 1024):0} | {Range(rss, "0")} | {Range(inFlight, "0.0")} | {string.Join(", ", p.PerNode.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key} {n.Value}"))} | {total - p.Stored + p.Doubled} / {p.Doubled} |"));
        }

        var one = passes.FirstOrDefault(p => p.Setup.Nodes == 1);
        if (one is not null && passes.Count > 1)
        {
            Console.WriteLine();
            Console.WriteLine("| against 1 node | speed-up (1 node's wall / theirs) | share of the ceiling | dxmig CPU s per GB | peak RSS per node |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var p in passes.Where(p => p.Setup.Nodes != 1))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {p.Setup.Nodes} nodes vs 1{(p.Refused.Count > 0 ? " (not joined)" : string.Empty)} | {one.Wall / p.Wall:0.00}× | {Share(p)} against {Share(one)} | {p.DxmigCpu / one.DxmigCpu:0.00}× | {p.Runs.Max(r => r.Timed.Measured.RssMb) / one.Runs.Max(r => r.Timed.Measured.RssMb):0.00}× |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"how the cores were shared: everything on this machine's {Environment.ProcessorCount} cores, no pinning: the dxmig nodes, the Graph emulator (in the bench process, doing the service's parsing), the source Dovecot and PostgreSQL side by side"));
        foreach (var p in passes.Where(p => p.DxmigCpu > 0))
        {
            var cpuPerMb = p.DxmigCpu / (moved / MiB);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Setup.Nodes} node(s): dxmig used {cpuPerMb * 1024:0} CPU s per GB in all → one node with {Environment.ProcessorCount} cores to itself moves at most {Environment.ProcessorCount / cpuPerMb:0.0} MB/s"));
        }

        if (Split(passes) is { } split)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per node, least squares over the {split.Runs} node runs above: {split.PerRun:0.0} CPU s of its own per run + {split.PerGb:0.0} CPU s per GB of source moved (bytes per node from the mailboxes it ran)"));
        }
    }

    /// <summary>The budgets' ceiling time as a share of the wall time; "–" when the work fitted the budgets' first windows (ceiling 0).</summary>
    private static string Share(Pass p) => p.Ceiling > 0 ? string.Create(CultureInfo.InvariantCulture, $"{p.Ceiling / p.Wall * 100:0}%") : "–";

    /// <summary>
    /// A node's CPU split by least squares over every node run of every pass into a part of its own per run (start,
    /// heartbeats, claims, idle waits for the budgets) and a part per GB of source moved; null with fewer than three
    /// runs or no spread in the bytes.
    /// </summary>
    private static (double PerRun, double PerGb, int Runs)? Split(IReadOnlyList<Pass> passes)
    {
        var points = passes.SelectMany(p => p.Runs.Where(r => !r.Refused).Select(r => (Gb: p.BytesOf(r.Node) / (MiB * 1024), Cpu: r.Timed.Measured.CpuSeconds))).ToList();
        if (points.Count < 3)
        {
            return null;
        }

        var (gb, cpu) = (points.Average(p => p.Gb), points.Average(p => p.Cpu));
        var spread = points.Sum(p => (p.Gb - gb) * (p.Gb - gb));
        if (spread <= 0)
        {
            return null;
        }

        var perGb = points.Sum(p => (p.Gb - gb) * (p.Cpu - cpu)) / spread;
        return (cpu - (perGb * gb), perGb, points.Count);
    }

    private static string Range(List<double> values, string format) =>
        values.Count == 1 || values.Min().ToString(format, CultureInfo.InvariantCulture) == values.Max().ToString(format, CultureInfo.InvariantCulture)
            ? values[0].ToString(format, CultureInfo.InvariantCulture)
            : $"{values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)}";

    private sealed record PassSetup(
        int Nodes, int Parallelism, string Dxmig, string Job, string Folder, IReadOnlyList<string> Users, ThrottlingSettings Budgets, string Accounts,
        IReadOnlyDictionary<string, long> Bytes, IReadOnlyDictionary<string, int> Messages);

    private sealed record NodeRun(string Node, MailBench.Timed Timed)
    {
        public bool Refused => Timed.ExitCode is not (0 or 1) && (Timed.Error + Timed.Output).Contains("is being run by process", StringComparison.Ordinal);
    }

    private sealed record Pass(
        PassSetup Setup, IReadOnlyList<NodeRun> Runs, double Wall, string Load, double Ceiling, int Slots, long BytesAdmitted, int Stored, int Doubled,
        Dictionary<string, List<string>> Accounts, string Basis, double EmulatorCpu, double DovecotCpu, double PostgresCpu, double MachineCpu)
    {
        /// <summary>How many mailboxes each node ran.</summary>
        /// <summary>When each mailbox got its first message, seconds from the nodes' start, in order.</summary>
        public IReadOnlyList<double> StartedAt { get; init; } = [];

        /// <summary>When each mailbox was done, in order.</summary>
        public IReadOnlyList<double> DoneAt { get; init; } = [];

        public Dictionary<string, int> PerNode => Accounts.ToDictionary(a => a.Key, a => a.Value.Count, StringComparer.Ordinal);

        /// <summary>Source bytes of the mailboxes a node ran.</summary>
        public long BytesOf(string node) => Accounts.GetValueOrDefault(node)?.Sum(a => Setup.Bytes.GetValueOrDefault(a)) ?? 0;

        public double DxmigCpu => Runs.Sum(r => r.Timed.Measured.CpuSeconds);

        public IReadOnlyList<NodeRun> Refused => [.. Runs.Where(r => r.Refused)];

        public IReadOnlyList<NodeRun> Failed => [.. Runs.Where(r => r.Timed.ExitCode is not (0 or 1) && !r.Refused)];
    }
}

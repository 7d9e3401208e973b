using System.Globalization;
using System.Reflection;
using Dxmig.GraphEmulator;
using Dxmig.Sandbox;

namespace Dxmig.Bench;

/// <summary>
/// IMAP → Graph against the emulator with Outlook's real per-mailbox budgets shrunk in time (10,000 requests per
/// 10 minutes and 150 MB per 5 minutes, times SCALE: at 0.01, 100 requests per 6 s and 1.5 MiB per 3 s). What limits
/// a Graph migration is the budget, not the CPU, so the figure that matters is how close dxmig gets to the fastest
/// time the budgets allow for the work it had to send (its "ceiling"), and how many Graph requests each message cost.
/// The ceiling per mailbox: the budgets admit LIMIT at once, then LIMIT per window, so R admitted requests need at
/// least (⌈R/LIMIT⌉ − 1) windows, and B uploaded bytes (⌈B/BYTES⌉ − 1) upload windows; the run's ceiling is the
/// slowest mailbox's. All mailboxes run at once (the budgets are per mailbox).
/// </summary>
internal static class GraphBench
{
    public static async Task<int> RunAsync(int mailboxes, int messages, double scale, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = MailBench.FindRepo();
        var dxmig = Path.Combine(repo, ".dxmig", "bin", "dxmig.dll");
        if (!File.Exists(dxmig))
        {
            Console.Error.WriteLine("build dxmig first: ./dxmig --help");
            return 2;
        }

        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var root = Path.Combine(Path.GetTempPath(), $"dxmig-graphbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        var budgets = new ThrottlingSettings().Scaled(scale);
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass"), ParentDirectory = parent });
        await using var graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. users.Select(u => $"{u}@pref.example.jp")], Throttling = budgets, MaxMessageBytes = 150L * 1024 * 1024 },
            CancellationToken.None);
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 11, MessagesPerMailbox = messages, Sizes = sizes }).FillAsync(source, users);
            var total = manifest.Messages.Count();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus: {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {manifest.TotalBytes / 1048576.0:N1} MB"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"budgets per mailbox (scale {scale}): {budgets.RequestLimit} requests per {budgets.RequestWindow.TotalSeconds:0.#} s, {budgets.UploadByteLimit / 1048576.0:0.##} MiB per {budgets.UploadWindow.TotalSeconds:0.#} s, {budgets.MaxConcurrentRequests} at once"));

            var accounts = Path.Combine(root, "accounts.csv");
            await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{u}@pref.example.jp\n")));
            var job = Path.Combine(root, "mail-imap-to-graph.yaml");
            await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", "mail-imap-to-graph.yaml")))
                .Replace("../../mappings/", Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
                .Replace("parallelism: 8", $"parallelism: {mailboxes}", StringComparison.Ordinal)
                .Replace("  # max-message-size: 157286400", "  max-message-size: 157286400", StringComparison.Ordinal));
            var environment = new Dictionary<string, string>
            {
                ["DXMIG_SRC_HOST"] = source.Host,
                ["DXMIG_SRC_PORT"] = source.Port.ToString(CultureInfo.InvariantCulture),
                ["DXMIG_SRC_SECURITY"] = "none",
                ["DXMIG_SRC_ADMIN_USER"] = source.MasterUser,
                ["DXMIG_SRC_ADMIN_PASSWORD"] = source.MasterPassword,
                ["DXMIG_ACCOUNTS"] = accounts,
                ["DXMIG_LEDGER"] = Path.Combine(root, "ledger.db"),
                ["DXMIG_HOME"] = Path.Combine(root, "home"),
                ["DXMIG_PLAIN"] = "1",
            };

            foreach (var (key, value) in graph.JobEnvironment())
            {
                environment[key] = value;
            }

            // Watch each mailbox fill, to see when it was done (its last message arrived) against its own ceiling.
            var expected = users.ToDictionary(u => u, u => manifest[u].Messages.Count);
            var doneAt = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var watching = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!watching.IsCancellationRequested)
                {
                    foreach (var user in users.Where(u => !doneAt.ContainsKey(u)))
                    {
                        if (graph.Store.AllMessages($"{user}@pref.example.jp").Count >= expected[user])
                        {
                            doneAt[user] = clock.Elapsed.TotalSeconds;
                        }
                    }

                    await Task.Delay(250);
                }
            });
            var first = await MailBench.TimedAsync("dotnet", [dxmig, "run", job], environment);
            await watching.CancelAsync();
            await watcher;
            var operations = typeof(Operations).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (string)f.GetValue(null)!)
                .Where(o => o is not Operations.Batch and not Operations.BatchItem and not Operations.Token)
                .ToList();
            double ceiling = 0;
            long admittedTotal = 0;
            long throttledTotal = 0;
            long bytesTotal = 0;
            long resentBytes = 0;
            var stored = 0;
            var perMailbox = new List<string>();
            var doubled = 0;
            foreach (var user in users)
            {
                var upn = $"{user}@pref.example.jp";
                var counters = operations.Select(o => graph.Stats.For(upn, o)).ToList();
                long admitted = counters.Sum(c => c.Requests - c.Throttled);
                long bytes = counters.Sum(c => c.BytesAdmitted);
                admittedTotal += admitted;
                throttledTotal += counters.Sum(c => c.Throttled);
                bytesTotal += bytes;
                resentBytes += counters.Sum(c => c.BytesReceived) - bytes;
                var requestTime = (Math.Ceiling((double)admitted / budgets.RequestLimit) - 1) * budgets.RequestWindow.TotalSeconds;
                var uploadTime = (Math.Ceiling((double)bytes / budgets.UploadByteLimit) - 1) * budgets.UploadWindow.TotalSeconds;
                ceiling = Math.Max(ceiling, Math.Max(requestTime, uploadTime));
                perMailbox.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {user} | {admitted:N0} | {bytes / 1048576.0:0.0} | {Math.Max(requestTime, uploadTime):0} | {doneAt.GetValueOrDefault(user, double.NaN):0.0} |"));
                var messagesThere = graph.Store.AllMessages(upn);
                stored += messagesThere.Count;
                doubled += messagesThere.GroupBy(m => m.ExtendedProperty("String {6f1b7c2a-3e4d-4a5b-8c9d-0e1f2a3b4c5d} Name dxmigSourceKey")).Sum(g => g.Count() - 1);
            }

            var createsBefore = users.Sum(u => graph.Stats.CreateCallsFor($"{u}@pref.example.jp"));
            var second = await MailBench.TimedAsync("dotnet", [dxmig, "run", job], environment);
            var creates = users.Sum(u => graph.Stats.CreateCallsFor($"{u}@pref.example.jp")) - createsBefore;
            Console.WriteLine();
            Console.WriteLine("| pass | messages | seconds | messages/s | Graph requests admitted | per message | 429 answers | MB admitted | MB sent again after 429 | peak RSS MB |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| first | {total:N0} | {first.Seconds:0.0} | {total / first.Seconds:0.0} | {admittedTotal:N0} | {(double)admittedTotal / total:0.00} | {throttledTotal:N0} | {bytesTotal / 1048576.0:0.0} | {resentBytes / 1048576.0:0.0} | {first.RssMb:0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| no change | {total:N0} | {second.Seconds:0.0} | – | – | – | – | – | – | {second.RssMb:0} |"));
            Console.WriteLine();
            Console.WriteLine("| mailbox | requests admitted | MiB admitted | its ceiling s | its last message arrived at s |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            perMailbox.ForEach(Console.WriteLine);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ceiling the budgets allow for that work: {ceiling:0.0} s; dxmig took {first.Seconds:0.0} s → {ceiling / first.Seconds * 100:0}% of the ceiling (goal ≥ 90%)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"on the target: {stored:N0} messages for {total:N0} sent, {doubled} doubled, {total - stored + doubled} lost; create calls in the no-change pass: {creates:N0}"));
            return stored == total && doubled == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

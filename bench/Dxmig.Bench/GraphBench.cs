using System.Globalization;
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
        if (GraphJob.ProductDll(repo) is not { } dxmig)
        {
            return 2;
        }

        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var root = Path.Combine(Path.GetTempPath(), $"dxmig-graphbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        var budgets = new ThrottlingSettings().Scaled(scale);
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass"), ParentDirectory = parent });
        await using var graph = await GraphJob.StartEmulatorAsync(users, budgets);
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 11, MessagesPerMailbox = messages, Sizes = sizes }).FillAsync(source, users);
            var total = manifest.Messages.Count();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus: {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {manifest.TotalBytes / 1048576.0:N1} MB"));
            Console.WriteLine(GraphJob.Budgets(scale, budgets));

            var (job, accounts) = await GraphJob.WriteAsync(repo, root, users, mailboxes, reconcile: true);
            var environment = GraphJob.Environment(source, accounts, Path.Combine(root, "ledger.db"), graph);
            environment["DXMIG_HOME"] = Path.Combine(root, "home");

            // Watch each mailbox fill, to see when it was done (its last message arrived) against its own ceiling.
            var watch = new MailboxWatch(graph, users.ToDictionary(u => u, u => manifest[u].Messages.Count));
            var first = await MailBench.TimedAsync("dotnet", [dxmig, "run", job], environment);
            await watch.DisposeAsync();
            var doneAt = watch.DoneAt;
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
                var upn = GraphJob.Upn(user);
                var usage = MailboxUsage.Of(graph, upn);
                admittedTotal += usage.Admitted;
                throttledTotal += usage.Throttled;
                bytesTotal += usage.Bytes;
                resentBytes += usage.Resent;
                var own = usage.CeilingSeconds(budgets);
                ceiling = Math.Max(ceiling, own);
                perMailbox.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {user} | {usage.Admitted:N0} | {usage.Bytes / 1048576.0:0.0} | {own:0} | {doneAt.GetValueOrDefault(user, double.NaN):0.0} |"));
                stored += usage.Stored;
                doubled += usage.Doubled;
            }

            var createsBefore = users.Sum(u => graph.Stats.CreateCallsFor(GraphJob.Upn(u)));
            var second = await MailBench.TimedAsync("dotnet", [dxmig, "run", job], environment);
            var creates = users.Sum(u => graph.Stats.CreateCallsFor(GraphJob.Upn(u))) - createsBefore;
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

using System.Globalization;
using System.Security.Cryptography;
using Dxmig.GraphEmulator;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Exchange;
using Dxmig.TestSupport.Mail;

namespace Dxmig.Bench;

/// <summary>
/// The two paths into Exchange Online side by side, the same corpus: IMAP with app-only OAuth into the exo-imap sandbox
/// (Dovecot validating the app's tokens, behind the proxy that applies Exchange's IMAP behaviour: no MULTIAPPEND,
/// \Flagged by STORE) and Microsoft Graph into the emulator. Both targets' budgets are off: this measures what each path
/// costs dxmig and the server (time, CPU, commands or requests per message), not Exchange's throttling (its IMAP budget
/// is not documented; Graph's is measured by bench/graph.sh). Also counted: how many messages arrived byte for byte.
/// </summary>
internal static class ExoImapBench
{
    private static readonly Dictionary<string, string> ExchangeFolders = new(StringComparer.Ordinal)
    {
        ["送信済みアイテム"] = @"\Sent", ["下書き"] = @"\Drafts", ["削除済みアイテム"] = @"\Trash", ["迷惑メール"] = @"\Junk", ["アーカイブ"] = @"\Archive",
    };

    public static async Task<int> RunAsync(int mailboxes, int messages, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = MailBench.FindRepo();
        if (GraphJob.ProductDll(repo) is not { } dxmig)
        {
            return 2;
        }

        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var root = Path.Combine(Path.GetTempPath(), $"dxmig-exobench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass"), ParentDirectory = parent });
        await using var graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. users.Select(GraphJob.Upn)], Throttling = new ThrottlingSettings { Enabled = false }, MaxMessageBytes = 150L * 1024 * 1024 },
            CancellationToken.None);
        await using var exchange = await ExoImapSandbox.StartAsync(graph, new DovecotOptions
        {
            Users = users.ToDictionary(GraphJob.Upn, u => $"{u}-unused"), ParentDirectory = parent, SpecialUseFolders = ExchangeFolders, CreateSpecialUseFolders = true,
        });
        await using var proxy = ExchangeImapProxy.Start(exchange.Dovecot, new ExchangeImapProxyOptions { TokenExpiry = graph.ExchangeTokenExpiry, MaxMessageSize = 150L * 1024 * 1024 });
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 11, MessagesPerMailbox = messages, Sizes = sizes }).FillAsync(source, users);
            var total = manifest.Messages.Count();
            var gigabytes = manifest.TotalBytes / 1073741824.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus: {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {manifest.TotalBytes / 1048576.0:N1} MB; parallelism {mailboxes}; budgets off on both targets"));
            Console.WriteLine("CPU: not pinned; the source Dovecot, the target Dovecot, the proxy and the emulator (both in this process) ran beside dxmig on the same 2 cores; the two paths ran one after the other");

            var graphFolder = Directory.CreateDirectory(Path.Combine(root, "graph")).FullName;
            var (graphJob, graphAccounts) = await GraphJob.WriteAsync(repo, graphFolder, users, mailboxes, reconcile: false);
            var graphEnv = GraphJob.Environment(source, graphAccounts, Path.Combine(graphFolder, "ledger.db"), graph);
            graphEnv["DXMIG_HOME"] = Path.Combine(graphFolder, "home");

            var exoFolder = Directory.CreateDirectory(Path.Combine(root, "exo")).FullName;
            var exoJob = Path.Combine(exoFolder, "mail-imap-to-exo-imap.yaml");
            await File.WriteAllTextAsync(exoJob, (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", "mail-imap-to-exo-imap.yaml")))
                .Replace(": mappings/", ": " + Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
                .Replace("parallelism: 8", $"parallelism: {mailboxes}", StringComparison.Ordinal)
                .Replace("  batch-size: 100", "  reconcile: off\n  batch-size: 100", StringComparison.Ordinal)
                .Replace("  # max-message-size: 157286400", "  max-message-size: 157286400", StringComparison.Ordinal));
            var exoEnv = GraphJob.Environment(source, graphAccounts, Path.Combine(exoFolder, "ledger.db"), graph);
            exoEnv["DXMIG_HOME"] = Path.Combine(exoFolder, "home");
            exoEnv["DXMIG_EXO_IMAP_HOST"] = proxy.Host;
            exoEnv["DXMIG_EXO_IMAP_PORT"] = proxy.Port.ToString(CultureInfo.InvariantCulture);
            exoEnv["DXMIG_EXO_IMAP_SECURITY"] = "none";

            var exoFirst = await MailBench.TimedAsync("dotnet", [dxmig, "run", exoJob], exoEnv);
            var commands = proxy.CommandsByName.Values.Sum();
            var appends = proxy.Appends;
            var exoSecond = await MailBench.TimedAsync("dotnet", [dxmig, "run", exoJob], exoEnv);
            var appendsAgain = proxy.Appends - appends;
            var graphFirst = await MailBench.TimedAsync("dotnet", [dxmig, "run", graphJob], graphEnv);
            var requests = users.Sum(u => MailboxUsage.Of(graph, GraphJob.Upn(u)).Admitted);
            var createsBefore = users.Sum(u => graph.Stats.CreateCallsFor(GraphJob.Upn(u)));
            var graphSecond = await MailBench.TimedAsync("dotnet", [dxmig, "run", graphJob], graphEnv);
            var createsAgain = users.Sum(u => graph.Stats.CreateCallsFor(GraphJob.Upn(u))) - createsBefore;

            // What arrived: each path's messages against the source's bytes (the IMAP copy as stored; Graph's as it serves them).
            var want = manifest.Messages.Select(m => m.Sha256).GroupBy(h => h).ToDictionary(g => g.Key, g => g.Count());
            var exoHashes = new List<string>();
            foreach (var user in users)
            {
                using var client = await exchange.Dovecot.ConnectAsMasterAsync(GraphJob.Upn(user));
                exoHashes.AddRange((await ImapMailboxReader.ReadMessagesAsync(client)).Select(m => m.Sha256));
                await client.DisconnectAsync(true);
            }

            var graphMessages = users.SelectMany(u => graph.Store.AllMessages(GraphJob.Upn(u))).ToList();
            var graphExact = graphMessages.Count(m => want.ContainsKey(Convert.ToHexStringLower(SHA256.HashData(m.RenderMime()))));
            var exoExact = exoHashes.Count(want.ContainsKey);

            Console.WriteLine();
            Console.WriteLine("| path, pass | messages | seconds | messages/s | MB/s | CPU s dxmig | dxmig CPU s per GB | commands or requests per message | peak RSS MB | arrived byte for byte |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            Row("exo-imap (IMAP, XOAUTH2), first", exoFirst, (double)commands / total, $"{exoExact:N0} of {exoHashes.Count:N0}");
            Row("Graph, first", graphFirst, (double)requests / total, $"{graphExact:N0} of {graphMessages.Count:N0}");
            Row("exo-imap, no change", exoSecond, double.NaN, $"{appendsAgain} APPENDs");
            Row("Graph, no change", graphSecond, double.NaN, $"{createsAgain} creates");
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"exo-imap / Graph: {graphFirst.Seconds / exoFirst.Seconds:0.00}× the speed, {exoFirst.CpuSeconds / graphFirst.CpuSeconds:0.00}× the CPU; APPENDs {appends:N0} for {total:N0} messages (one per command: Exchange has no MULTIAPPEND)"));
            var ok = exoHashes.Count == total && exoExact == total && graphMessages.Count == total && appendsAgain == 0 && createsAgain == 0;
            Console.WriteLine(ok ? "both paths: every message once; the IMAP path byte for byte" : "MISMATCH: see the counts above");
            return ok ? 0 : 1;

            void Row(string name, MailBench.Measured m, double perMessage, string exact) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {total:N0} | {m.Seconds:0.0} | {total / m.Seconds:0.0} | {manifest.TotalBytes / 1048576.0 / m.Seconds:0.0} | {m.CpuSeconds:0.0} | {m.CpuSeconds / gigabytes:0} | {(double.IsNaN(perMessage) ? "–" : perMessage.ToString("0.00", CultureInfo.InvariantCulture))} | {m.RssMb:0} | {exact} |"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Sandbox;
using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Bench;

/// <summary>
/// A night after cutover (issue 16): dxmig's incremental sync against mbsync's, side by side on the same churn. Both
/// tools first copy the same source Dovecot into their own target (untimed: bench/mail.sh measures that); a third
/// target is filled by dxmig from a second view of the same mail store whose Dovecot does not announce CONDSTORE and
/// QRESYNC. Then, night after night, a seeded generator churns the source (per mailbox ~1% new, ~2% flag changes,
/// ~0.5% moved to another folder, ~0.5% expunged) and each tool's sync pass is timed, the tools taking turns to go
/// first; every target is then compared with the churned source, message by message. Each night also measures the
/// servers' sync floor (<see cref="MailCopyFloor"/>: a LIST-STATUS, the changed folders opened with QRESYNC, the new
/// messages read once and MULTIAPPENDed; without QRESYNC every folder's flags fetched) and prints each pass as a share of
/// it. By default in the production-like mode of <see cref="CorePinning"/> (servers on core 0, the tool on core 1).
/// </summary>
internal static partial class MailChurnBench
{
    private const MessageFlags SystemFlags = MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft;

    public static async Task<int> RunAsync(int mailboxes, int messages, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = MailBench.FindRepo();
        if (MailBench.LocateDxmig(repo) is not { } located)
        {
            return 2;
        }

        var (dxmig, dxFile, dxPrefix, release) = located;

        var nights = int.TryParse(Environment.GetEnvironmentVariable("DXMIG_BENCH_ROUNDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 2;
        Console.WriteLine($"dxmig: {(release ? "release form (self-contained, composite ReadyToRun, tiered compilation off)" : "development build (ReadyToRun)")}: {dxmig}");
        Console.WriteLine(CorePinning.Describe() + "; the machine's busy CPU seconds during each pass are printed beside the tools' and servers'");
        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var passwords = users.ToDictionary(u => u, u => $"{u}-pass");
        var parent = Environment.GetEnvironmentVariable("DXMIG_BENCH_DISK") is { Length: > 0 } || !Directory.Exists("/dev/shm") ? null : "/dev/shm";
        var root = Path.Combine(parent ?? Path.GetTempPath(), $"dxmig-churnbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        Console.WriteLine($"mail stores and tool state: {parent ?? Path.GetTempPath()}; {nights} night(s), the tools taking turns to go first; dxmig without CONDSTORE always last");
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 7, MessagesPerMailbox = messages, Sizes = sizes });
            var manifest = await corpus.FillAsync(source, users);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus ({profile}): {mailboxes} mailboxes × {messages} messages = {manifest.Messages.Count():N0} messages, {manifest.TotalBytes / 1048576.0:N1} MB, filled in {manifest.Elapsed.TotalSeconds:N1} s"));

            // The same mail store seen through a second Dovecot that announces neither CONDSTORE nor QRESYNC (its
            // imap_capability replaces the list announced after login).
            var capability = await PostLoginCapabilityAsync(source, users[0]);
            var reduced = string.Join(' ', capability.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(c => !c.Equals("CONDSTORE", StringComparison.OrdinalIgnoreCase) && !c.Equals("QRESYNC", StringComparison.OrdinalIgnoreCase)));
            await using var plainSource = await DovecotServer.StartAsync(new DovecotOptions
            {
                Users = passwords,
                ParentDirectory = parent,
                ExtraConfiguration = $"mail_location = maildir:{source.MailRoot}/%u/Maildir:LAYOUT=fs\nimap_capability = {reduced}",
            });
            using (var probe = await plainSource.ConnectAsMasterAsync(users[0]))
            {
                var condStore = probe.Capabilities.HasFlag(ImapCapabilities.CondStore) || probe.Capabilities.HasFlag(ImapCapabilities.QuickResync);
                Console.WriteLine($"second view of the source: CONDSTORE/QRESYNC announced: {(condStore ? "yes (the variant is void)" : "no")}; the source proper announces: {(capability.Contains("CONDSTORE", StringComparison.Ordinal) ? "CONDSTORE" : "-")} {(capability.Contains("QRESYNC", StringComparison.Ordinal) ? "QRESYNC" : "-")}");
                await probe.DisconnectAsync(true);
            }

            await using var dxTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
            await using var mbTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
            await using var plainTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
            // The floor's target: a sink its first copy fills and every night's new messages are appended to (never compared).
            await using var floorTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
            var serverCores = new List<string>();
            foreach (var server in new[] { source, plainSource, dxTarget, mbTarget, plainTarget, floorTarget })
            {
                serverCores.Add(await CorePinning.PinServerAsync(server));
            }

            await CorePinning.PinSelfAsync();
            MailBench.PinTools = CorePinning.Enabled;
            Console.WriteLine($"the 6 Dovecot servers may run on CPU {string.Join(", ", serverCores.Distinct())}; this bench's coordinator (and the churn generator) on CPU {CorePinning.CoresOf(Environment.ProcessId)}{(MailBench.PinTools ? $"; dxmig, mbsync and the floor client on CPU {CorePinning.ToolCore}" : "")}");

            var accounts = Path.Combine(root, "accounts.csv");
            await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{u}\n")));
            // The example job as mail.sh runs it (reconciliation after the run off: the pass times the sync alone), with
            // deletions mirrored through its DXMIG_DELETIONS variable; the deletion threshold stays at its default.
            var job = Path.Combine(root, "mail-imap-to-imap.yaml");
            await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", "mail-imap-to-imap.yaml")))
                .Replace(": mappings/", ": " + Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
                .Replace("  batch-size: 200", "  batch-size: 200\n  reconcile: off", StringComparison.Ordinal));
            var dxEnvironment = DxmigEnvironment(Path.Combine(root, "dxmig"), accounts, source, dxTarget);
            var plainEnvironment = DxmigEnvironment(Path.Combine(root, "dxmig-plain"), accounts, plainSource, plainTarget);
            // Sync Pull with Expunge Near: new mail, flags and deletions one way; a move is, for mbsync, a deletion and a new message.
            var config = MailBench.WriteMbsyncConfig(root, users, source, mbTarget, expunge: "Near");

            Task<Pass> Dxmig() => MeasureAsync("dxmig", source, dxTarget, () => MailBench.TimedAsync(dxFile, [.. dxPrefix, "run", job], dxEnvironment));
            Task<Pass> Plain() => MeasureAsync("dxmig, source without CONDSTORE", plainSource, plainTarget, () => MailBench.TimedAsync(dxFile, [.. dxPrefix, "run", job], plainEnvironment));
            Task<Pass> Mbsync() => MeasureAsync("mbsync", source, mbTarget, () => MailBench.ParallelAsync(users, u => MailBench.TimedAsync("mbsync", ["-c", config, "-q", u], null)));

            // The sync floor (MailCopyFloor.SyncMailboxAsync): what any sync must ask of the servers, measured in the same
            // night, through the source with QRESYNC (as dxmig's pass) and through the view without it (as the fallback).
            var state = Path.Combine(root, "floor-state.tsv");
            Task<Pass> Floor() => MeasureAsync("sync floor (QRESYNC)", source, floorTarget, async () => (await MailBench.RunFloorAsync("sync", source, floorTarget, users, state)).Measured);
            Task<Pass> PlainFloor() => MeasureAsync("sync floor without CONDSTORE", plainSource, floorTarget, async () => (await MailBench.RunFloorAsync("sync", plainSource, floorTarget, users, state)).Measured);

            // First passes: not the result (bench/mail.sh measures them), printed for reference.
            var first = new[] { await Synced(Dxmig), await Synced(Mbsync), await Synced(Plain) };
            var floorCopy = await MailBench.RunFloorAsync("copy", source, floorTarget, users, null);
            Console.WriteLine();
            Console.WriteLine("first passes (untimed as the result): " + string.Join("; ", first.Select(p =>
                string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Measured.Seconds:0.00} s, {p.Measured.CpuSeconds:0.0} CPU s")))
                + string.Create(CultureInfo.InvariantCulture, $"; the copy floor {floorCopy.Measured.Seconds:0.00} s ({floorCopy.Messages:N0} messages)"));

            var summary = new List<string>();
            for (var night = 1; night <= nights; night++)
            {
                // What a sync knows from the night before: every folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (untimed).
                await MailBench.RunFloorAsync("state", source, floorTarget, users, state);
                var churn = await ChurnAsync(source, users, corpus.Options.Sizes, night);
                var uptimeBefore = MailBench.Uptime();
                var load = ProcessTree.LoadAverage();
                var dxmigFirst = night % 2 == 1;
                Pass dx, mb;
                if (dxmigFirst)
                {
                    dx = await Synced(Dxmig);
                    mb = await Synced(Mbsync);
                }
                else
                {
                    mb = await Synced(Mbsync);
                    dx = await Synced(Dxmig);
                }

                // The floors go after the tools (the churned source's caches are warm by then: if anything, the floor is lower).
                var floor = await Synced(Floor);
                var plain = await Synced(Plain);
                var plainFloor = await Synced(PlainFloor);
                var loadAfter = ProcessTree.LoadAverage();
                var uptimeAfter = MailBench.Uptime();

                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"night {night} ({(dxmigFirst ? "dxmig" : "mbsync")} first), load average before it {load}, after it {loadAfter}; churn: {churn.Total:N0} messages changed ({churn.New:N0} new, {churn.Flags:N0} flag changes, {churn.Moved:N0} moved, {churn.Expunged:N0} expunged) of {churn.Before:N0}, generated in {churn.Seconds:0.0} s"));
                Console.WriteLine($"  uptime before: {uptimeBefore}");
                Console.WriteLine($"  uptime after:  {uptimeAfter}");
                Console.WriteLine("| tool, sync pass | messages changed | seconds | seconds ÷ mbsync's | % of floor | peak RSS MB | CPU s tool | CPU s source | CPU s target | CPU s machine (all) | logins source/target | bodies fetched | KB read from source | KB written to target |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var (pass, against) in new[] { (dx, floor), (mb, floor), (floor, floor), (plain, plainFloor), (plainFloor, plainFloor) })
                {
                    Row(pass, churn.Total, mb.Measured.Seconds, against.Measured.Seconds);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  % of floor: the sync floor's seconds ÷ the pass's × 100 (dxmig and mbsync against the floor with QRESYNC, dxmig without CONDSTORE against the floor without it); the floor programs' processes took {floor.Measured.ProcessSeconds:0.00} s and {plainFloor.Measured.ProcessSeconds:0.00} s with .NET start-up"));

                Console.WriteLine();
                Console.WriteLine("| target after the sync pass | messages | expected | missing | extra (doubled or not removed) | system flags differ | keywords differ | same state as the source |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
                var expected = await ReadAsync(source, users);
                var dxCheck = Compare("dxmig", expected, await ReadAsync(dxTarget, users));
                var mbCheck = Compare("mbsync", expected, await ReadAsync(mbTarget, users));
                var plainCheck = Compare("dxmig, source without CONDSTORE", expected, await ReadAsync(plainTarget, users));
                var comparable = dxCheck.SameState && mbCheck.SameState;
                Console.WriteLine(comparable
                    ? "both tools ended in the source's state (messages, folders, system flags): the passes are comparable; mbsync 1.4 carries no keywords (neither in its first pass), so keyword changes reach dxmig's target only"
                    : "NOT COMPARABLE: the tools did not both end in the source's state (see above)");

                // The same passes again with nothing changed: what each pass costs before any change (start-up, logins,
                // listing and comparing), so that the figures above can be read as a fixed part and the churn's part.
                var dxIdle = await Synced(Dxmig);
                var mbIdle = await Synced(Mbsync);
                var plainIdle = await Synced(Plain);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"no-change passes right after: dxmig {dxIdle.Measured.Seconds:0.00} s, {dxIdle.Measured.CpuSeconds:0.00} CPU s; mbsync {mbIdle.Measured.Seconds:0.00} s, {mbIdle.Measured.CpuSeconds:0.00} CPU s; dxmig without CONDSTORE {plainIdle.Measured.Seconds:0.00} s, {plainIdle.Measured.CpuSeconds:0.00} CPU s"));

                var line = string.Create(CultureInfo.InvariantCulture,
                    $"night {night} (load {load}): {churn.Total:N0} changed; dxmig {dx.Measured.Seconds:0.00} s, mbsync {mb.Measured.Seconds:0.00} s (dxmig ÷ mbsync {dx.Measured.Seconds / mb.Measured.Seconds:0.00}), sync floor {floor.Measured.Seconds:0.00} s (dxmig at {floor.Measured.Seconds / dx.Measured.Seconds * 100:0}% of it, mbsync at {floor.Measured.Seconds / mb.Measured.Seconds * 100:0}%); dxmig without CONDSTORE {plain.Measured.Seconds:0.00} s ({plain.Measured.Seconds / dx.Measured.Seconds:0.00}× dxmig's, {plainFloor.Measured.Seconds / plain.Measured.Seconds * 100:0}% of its floor {plainFloor.Measured.Seconds:0.00} s); CPU s tool+servers dxmig {dx.AllCpu:0.0}, mbsync {mb.AllCpu:0.0}, without CONDSTORE {plain.AllCpu:0.0}; states {(dxCheck.SameState ? "dxmig ok" : "dxmig DIFFERS")}, {(mbCheck.SameState ? "mbsync ok" : "mbsync DIFFERS")}, {(plainCheck.SameState ? "without CONDSTORE ok" : "without CONDSTORE DIFFERS")}");
                Console.WriteLine(line);
                summary.Add(line);
            }

            Console.WriteLine();
            summary.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Dictionary<string, string> DxmigEnvironment(string folder, string accounts, DovecotServer source, DovecotServer target)
    {
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            ["DXMIG_ACCOUNTS"] = accounts,
            ["DXMIG_LEDGER"] = Path.Combine(folder, "ledger.db"),
            ["DXMIG_HOME"] = Path.Combine(folder, "home"),
            ["DXMIG_PLAIN"] = "1",
            ["DXMIG_DELETIONS"] = "mirror",
        };
        foreach (var (prefix, server) in new[] { ("DXMIG_SRC", source), ("DXMIG_DST", target) })
        {
            environment[$"{prefix}_HOST"] = server.Host;
            environment[$"{prefix}_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture);
            environment[$"{prefix}_SECURITY"] = "none";
            environment[$"{prefix}_ADMIN_USER"] = server.MasterUser;
            environment[$"{prefix}_ADMIN_PASSWORD"] = server.MasterPassword;
        }

        return environment;
    }

    /// <summary>The capability list Dovecot announces after login (tagged OK of LOGIN), read on a plain socket.</summary>
    private static async Task<string> PostLoginCapabilityAsync(DovecotServer server, string user)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await reader.ReadLineAsync();
        await writer.WriteLineAsync($"a LOGIN \"{server.MasterLogin(user)}\" \"{server.MasterPassword}\"");
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("a ", StringComparison.Ordinal))
        {
        }

        var match = CapabilityPattern().Match(line ?? string.Empty);
        if (!match.Success)
        {
            throw new InvalidOperationException($"no capability list after LOGIN: {line}");
        }

        await writer.WriteLineAsync("b LOGOUT");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"^a OK \[CAPABILITY ([^\]]+)\]")]
    private static partial Regex CapabilityPattern();

    private static async Task<Pass> Synced(Func<Task<Pass>> pass)
    {
        using (var sync = Process.Start("sync")!)
        {
            await sync.WaitForExitAsync();
        }

        return await pass();
    }

    /// <summary>
    /// Runs a pass and adds what the servers saw meanwhile: their CPU (process trees), and from their logs the logins
    /// and the bytes each session read and wrote (Dovecot's logout line: in=, out=, body_count=, expunged=).
    /// </summary>
    private static async Task<Pass> MeasureAsync(string name, DovecotServer source, DovecotServer target, Func<Task<MailBench.Measured>> run)
    {
        var (source0, target0, machine0) = (MailBench.ServerCpuSeconds(source), MailBench.ServerCpuSeconds(target), ProcessTree.MachineBusySeconds());
        var (sourceLog, targetLog) = (source.ReadLog().Length, target.ReadLog().Length);
        var measured = await run();
        var machine = ProcessTree.MachineBusySeconds() - machine0;
        measured = measured with { SourceCpuSeconds = MailBench.ServerCpuSeconds(source) - source0, TargetCpuSeconds = MailBench.ServerCpuSeconds(target) - target0 };
        await Task.Delay(300); // the servers write the logout lines once they see the connections close
        return new Pass(name, measured, machine, Sessions(source.ReadLog()[sourceLog..]), Sessions(target.ReadLog()[targetLog..]));
    }

    private static Wire Sessions(string log)
    {
        var wire = new Wire();
        foreach (var line in log.Split('\n'))
        {
            if (!line.Contains("imap(", StringComparison.Ordinal) || !line.Contains("Disconnected", StringComparison.Ordinal))
            {
                continue;
            }

            long Value(string key)
            {
                var at = line.IndexOf($" {key}=", StringComparison.Ordinal);
                if (at < 0)
                {
                    return 0;
                }

                var digits = line[(at + key.Length + 2)..].TakeWhile(char.IsAsciiDigit).ToArray();
                return digits.Length == 0 ? 0 : long.Parse(new string(digits), NumberStyles.None, CultureInfo.InvariantCulture);
            }

            wire = new Wire(wire.Logins + 1, wire.In + Value("in"), wire.Out + Value("out"), wire.Bodies + Value("body_count"), wire.Expunged + Value("expunged"));
        }

        return wire;
    }

    /// <summary>
    /// One night's churn of the source, seeded by the night and the mailbox (the same for every run of the bench): per
    /// mailbox ~2% flag changes (\Seen, \Flagged or the keyword $Label1 toggled), ~0.5% moved to another folder (MOVE),
    /// ~0.5% expunged, then ~1% new messages (the corpus generator with another seed). Moves and expunges take at most
    /// 5% of any one folder, under the mirror's 10% deletion threshold.
    /// </summary>
    private static async Task<Churn> ChurnAsync(DovecotServer source, IReadOnlyList<string> users, MessageSizeDistribution sizes, int night)
    {
        var clock = Stopwatch.StartNew();
        var total = new Churn(0, 0, 0, 0, 0, 0);
        foreach (var user in users)
        {
            var random = new Random((night * 7919) ^ StableHash(user));
            using var client = await source.ConnectAsMasterAsync(user);
            var present = new List<(string Folder, UniqueId Uid, MessageFlags Flags, IReadOnlyList<string> Keywords)>();
            var folderNames = await ImapMailboxReader.ReadFolderNamesAsync(client);
            foreach (var name in folderNames)
            {
                var folder = await client.GetFolderAsync(name);
                await folder.OpenAsync(FolderAccess.ReadOnly);
                foreach (var s in await folder.FetchAsync(0, -1, new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags)))
                {
                    present.Add((name, s.UniqueId, s.Flags ?? MessageFlags.None, [.. s.Keywords ?? (IEnumerable<string>)[]]));
                }

                await folder.CloseAsync(false);
            }

            var count = present.Count;
            int Share(double share) => (int)Math.Round(count * share, MidpointRounding.AwayFromZero);
            var order = present.Select(p => (p, Key: random.Next())).OrderBy(x => x.Key).Select(x => x.p).ToList();
            var perFolder = present.GroupBy(p => p.Folder).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var removedFrom = new Dictionary<string, int>(StringComparer.Ordinal);
            var (wantFlags, wantMoves, wantExpunges) = (Share(0.02), Share(0.005), Share(0.005));
            var flagged = new List<(string Folder, UniqueId Uid, MessageFlags Flags, IReadOnlyList<string> Keywords)>();
            var moved = new List<(string Folder, UniqueId Uid)>();
            var expunged = new List<(string Folder, UniqueId Uid)>();
            foreach (var message in order)
            {
                var cap = perFolder[message.Folder] / 20;
                if (moved.Count + expunged.Count < wantMoves + wantExpunges && removedFrom.GetValueOrDefault(message.Folder) < cap)
                {
                    removedFrom[message.Folder] = removedFrom.GetValueOrDefault(message.Folder) + 1;
                    if (moved.Count < wantMoves)
                    {
                        moved.Add((message.Folder, message.Uid));
                    }
                    else
                    {
                        expunged.Add((message.Folder, message.Uid));
                    }
                }
                else if (flagged.Count < wantFlags)
                {
                    flagged.Add(message);
                }
            }

            foreach (var group in flagged.GroupBy(f => f.Folder))
            {
                var folder = await client.GetFolderAsync(group.Key);
                await folder.OpenAsync(FolderAccess.ReadWrite);
                foreach (var (_, uid, flags, keywords) in group)
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            await folder.StoreAsync(uid, new StoreFlagsRequest(flags.HasFlag(MessageFlags.Seen) ? StoreAction.Remove : StoreAction.Add, MessageFlags.Seen) { Silent = true });
                            break;
                        case 1:
                            await folder.StoreAsync(uid, new StoreFlagsRequest(flags.HasFlag(MessageFlags.Flagged) ? StoreAction.Remove : StoreAction.Add, MessageFlags.Flagged) { Silent = true });
                            break;
                        default:
                            await folder.StoreAsync(uid, new StoreFlagsRequest(keywords.Contains("$Label1") ? StoreAction.Remove : StoreAction.Add, ["$Label1"]) { Silent = true });
                            break;
                    }
                }

                await folder.CloseAsync(false);
            }

            foreach (var group in moved.GroupBy(m => m.Folder))
            {
                var folder = await client.GetFolderAsync(group.Key);
                await folder.OpenAsync(FolderAccess.ReadWrite);
                foreach (var (name, uid) in group)
                {
                    var others = folderNames.Where(f => f != name).ToList();
                    await folder.MoveToAsync(uid, await client.GetFolderAsync(others[random.Next(others.Count)]));
                }

                await folder.CloseAsync(false);
            }

            foreach (var group in expunged.GroupBy(m => m.Folder))
            {
                var folder = await client.GetFolderAsync(group.Key);
                await folder.OpenAsync(FolderAccess.ReadWrite);
                var uids = group.Select(g => g.Uid).ToList();
                await folder.StoreAsync(uids, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Deleted) { Silent = true });
                await folder.ExpungeAsync(uids);
                await folder.CloseAsync(false);
            }

            var wantNew = Share(0.01);
            if (wantNew > 0)
            {
                var fresh = new JapaneseMailCorpus(new JapaneseMailCorpusOptions
                {
                    Seed = 1_000_003 * night + 17, MessagesPerMailbox = wantNew, IncludeSpecialCases = false, Sizes = sizes,
                });
                await fresh.FillAsync(client, user);
            }

            await client.DisconnectAsync(true);
            total = new Churn(total.Before + count, total.New + wantNew, total.Flags + flagged.Count, total.Moved + moved.Count, total.Expunged + expunged.Count, 0);
        }

        return total with { Seconds = clock.Elapsed.TotalSeconds };
    }

    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return unchecked((int)hash);
    }

    /// <summary>Every message's folder, Message-ID, INTERNALDATE, size, system flags and keywords (no bodies: ENVELOPE).</summary>
    private static async Task<Dictionary<string, List<Seen>>> ReadAsync(DovecotServer server, IReadOnlyList<string> users)
    {
        var result = new Dictionary<string, List<Seen>>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            using var client = await server.ConnectAsMasterAsync(user);
            var list = new List<Seen>();
            foreach (var name in await ImapMailboxReader.ReadFolderNamesAsync(client))
            {
                var folder = await client.GetFolderAsync(name);
                await folder.OpenAsync(FolderAccess.ReadOnly);
                var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size | MessageSummaryItems.Envelope);
                foreach (var s in await folder.FetchAsync(0, -1, request))
                {
                    list.Add(new Seen(
                        RoleName(name), s.Envelope?.MessageId, s.InternalDate?.ToUniversalTime() ?? default, (long?)s.Size ?? 0,
                        (s.Flags ?? MessageFlags.None) & SystemFlags,
                        string.Join(' ', (s.Keywords ?? (IEnumerable<string>)[]).Order(StringComparer.Ordinal))));
                }

                await folder.CloseAsync(false);
            }

            result[user] = list;
            await client.DisconnectAsync(true);
        }

        return result;
    }

    /// <summary>The special folders under one name, whichever of the source's Japanese or the target's English they have.</summary>
    private static string RoleName(string folder) => folder switch
    {
        JapaneseMailCorpus.Sent or "Sent" => "(sent)",
        JapaneseMailCorpus.Drafts or "Drafts" => "(drafts)",
        JapaneseMailCorpus.Trash or "Trash" => "(trash)",
        JapaneseMailCorpus.Junk or "Junk" => "(junk)",
        _ => folder,
    };

    /// <summary>
    /// Every source message must be in the target once, in the same folder, with the same system flags; a copy matches
    /// by Message-ID and INTERNALDATE with a size at most 40 bytes larger (mbsync's X-TUID header).
    /// </summary>
    private static Check Compare(string name, Dictionary<string, List<Seen>> expected, Dictionary<string, List<Seen>> actual)
    {
        int messages = 0, wanted = 0, missing = 0, flags = 0, keywords = 0, extra = 0;
        foreach (var (user, sourceMessages) in expected)
        {
            var pool = actual[user].GroupBy(s => (s.Folder, s.MessageId, s.InternalDate)).ToDictionary(g => g.Key, g => g.ToList());
            messages += actual[user].Count;
            wanted += sourceMessages.Count;
            foreach (var s in sourceMessages)
            {
                var candidates = pool.GetValueOrDefault((s.Folder, s.MessageId, s.InternalDate));
                var match = candidates?.FirstOrDefault(t => t.Size >= s.Size && t.Size <= s.Size + 40);
                if (match is null)
                {
                    missing++;
                    continue;
                }

                candidates!.Remove(match);
                flags += match.Flags == s.Flags ? 0 : 1;
                keywords += match.Keywords == s.Keywords ? 0 : 1;
            }

            extra += pool.Values.Sum(l => l.Count);
        }

        var same = missing == 0 && extra == 0 && flags == 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {messages:N0} | {wanted:N0} | {missing:N0} | {extra:N0} | {flags:N0} | {keywords:N0} | {(same ? "yes" : "NO")} |"));
        return new Check(same);
    }

    private static void Row(Pass p, int changed, double mbsyncSeconds, double floorSeconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {p.Name} | {changed:N0} | {p.Measured.Seconds:N2} | {p.Measured.Seconds / mbsyncSeconds:0.00} | {floorSeconds / p.Measured.Seconds * 100:0} | {p.Measured.RssMb:N0} | {p.Measured.CpuSeconds:N2} | {p.Measured.SourceCpuSeconds:N2} | {p.Measured.TargetCpuSeconds:N2} | {p.MachineCpu:N1} | {p.Source.Logins}/{p.Target.Logins} | {p.Source.Bodies:N0} | {(p.Source.In + p.Source.Out) / 1024.0:N0} | {(p.Target.In + p.Target.Out) / 1024.0:N0} |"));

    private sealed record Pass(string Name, MailBench.Measured Measured, double MachineCpu, Wire Source, Wire Target)
    {
        public double AllCpu => Measured.CpuSeconds + Measured.SourceCpuSeconds + Measured.TargetCpuSeconds;
    }

    private sealed record Wire(int Logins = 0, long In = 0, long Out = 0, long Bodies = 0, long Expunged = 0);

    private sealed record Churn(int Before, int New, int Flags, int Moved, int Expunged, double Seconds)
    {
        public int Total => New + Flags + Moved + Expunged;
    }

    private sealed record Seen(string Folder, string? MessageId, DateTimeOffset InternalDate, long Size, MessageFlags Flags, string Keywords);

    private sealed record Check(bool SameState);
}

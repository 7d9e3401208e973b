using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dxmig.Sandbox;
using MailKit;

namespace Dxmig.Bench;

/// <summary>
/// IMAP → IMAP: dxmig against mbsync (isync), side by side on the same generated Japanese corpus in one run, and both
/// against the servers' copy floor measured in the same run (<see cref="MailCopyFloor"/>: one read of every body, one
/// MULTIAPPEND of them). Each copies from the same source Dovecot into its own fresh target Dovecot (4 mailboxes at a
/// time for all three); the tools then run again with nothing new. By default in the production-like mode of
/// <see cref="CorePinning"/> (servers on core 0, the measured tool on core 1). Prints messages/s, MB/s, peak RSS, the
/// ratio to mbsync and the share of the floor ("% of floor" = floor s / tool s × 100), and what each target holds
/// compared with the source (byte-exact messages, keywords, internal dates, messages without Message-ID).
/// </summary>
internal static class MailBench
{
    internal const int Parallel = 4;

    /// <summary>Whether <see cref="RunTimedAsync"/> runs its command on the tool's core (<see cref="CorePinning"/>).</summary>
    internal static bool PinTools { get; set; }

    public static async Task<int> RunAsync(int mailboxes, int messages, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = FindRepo();
        // The release form (DXMIG_BUILD=release ./dxmig: self-contained composite ReadyToRun, how jobs are installed for
        // unattended runs) when bench/mail.sh built it; else the development build.
        if (MailBench.LocateDxmig(repo) is not { } located)
        {
            return 2;
        }

        var (dxmig, dxFile, dxPrefix, release) = located;

        Console.WriteLine($"dxmig: {(release ? "release form (self-contained, composite ReadyToRun, tiered compilation off)" : "development build (ReadyToRun)")}: {dxmig}");

        var rounds = int.TryParse(Environment.GetEnvironmentVariable("DXMIG_BENCH_ROUNDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 2;
        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var passwords = users.ToDictionary(u => u, u => $"{u}-pass");
        // The mail stores, and both tools' own state (dxmig's ledger and temporary files, mbsync's sync state), live in
        // memory (tmpfs) unless DXMIG_BENCH_DISK is set: this machine's disk, not either tool, would otherwise set the
        // pace (measured: both tools land at the same ~140 MB/s on disk), and mbsync fsyncs its state where dxmig's
        // SQLite ledger (WAL, synchronous=NORMAL) does not, so state on disk would charge mbsync for a durability
        // dxmig does not buy.
        var parent = StoreParent();
        var root = Path.Combine(parent ?? Path.GetTempPath(), $"dxmig-mailbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        Console.WriteLine($"mail stores and tool state: {parent ?? Path.GetTempPath()}{(parent is null ? "" : " (tmpfs)")}; {rounds} round(s), each on fresh targets, the tools taking turns to go first, the floor first in odd rounds and last in even ones");
        Console.WriteLine(CorePinning.Describe());
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        try
        {
            var sizes = profile == "small" ? MessageSizeDistribution.Small : MessageSizeDistribution.RealWorld;
            var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 7, MessagesPerMailbox = messages, Sizes = sizes });
            var manifest = await corpus.FillAsync(source, users);
            var total = manifest.Messages.Count();
            var bytes = manifest.TotalBytes;
            var sorted = manifest.Messages.Select(m => m.Size).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"corpus: {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {bytes / 1048576.0:N1} MB (median {sorted[sorted.Count / 2] / 1024.0:N1} KB, largest {sorted[^1] / 1048576.0:N1} MB), filled in {manifest.Elapsed.TotalSeconds:N1} s"));

            // From here on the servers and this process keep to core 0, the measured tools to core 1 (when pinning).
            var sourceCores = await CorePinning.PinServerAsync(source);
            await CorePinning.PinSelfAsync();
            PinTools = CorePinning.Enabled;
            Console.WriteLine($"source Dovecot may run on CPU {sourceCores}; this bench's coordinator on CPU {CorePinning.CoresOf(Environment.ProcessId)}{(PinTools ? $"; dxmig, mbsync and the floor client on CPU {CorePinning.ToolCore}" : "")}");

            // Whichever tool reads a freshly filled source first would pay for Dovecot building its caches: read it all
            // once, untimed, before either tool.
            var warm = Stopwatch.StartNew();
            await ParallelAsync(users, async u =>
            {
                using var client = await source.ConnectAsMasterAsync(u);
                await ImapMailboxReader.ReadMessagesAsync(client);
                await client.DisconnectAsync(true);
                return new Measured(0, 0, 0);
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"source read once before timing (its caches built) in {warm.Elapsed.TotalSeconds:N1} s"));

            var accounts = Path.Combine(root, "accounts.csv");
            await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{u}\n")));
            // The example job with reconciliation after the run switched off: the passes time the copy alone, and the
            // reconciliation is timed on its own below (what the admins' nightly check costs).
            var job = Path.Combine(root, "mail-imap-to-imap.yaml");
            await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", "mail-imap-to-imap.yaml")))
                .Replace(": mappings/", ": " + Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
                .Replace("  batch-size: 200", "  batch-size: 200\n  reconcile: off", StringComparison.Ordinal));
            var summary = new List<string>();
            var results = new List<(int Round, Measured Floor, Measured Dxmig, Measured Mbsync)>();
            for (var round = 1; round <= rounds; round++)
            {
                var folder = Path.Combine(root, $"round{round}");
                Directory.CreateDirectory(folder);
                await using var dxmigTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
                await using var mbsyncTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
                await using var floorTarget = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
                var targetCores = string.Join(", ", new[] { await CorePinning.PinServerAsync(dxmigTarget), await CorePinning.PinServerAsync(mbsyncTarget), await CorePinning.PinServerAsync(floorTarget) }.Distinct());

                // dxmig: the example job, pointed at the servers through the environment.
                var environment = new Dictionary<string, string>
                {
                    ["DXMIG_ACCOUNTS"] = accounts,
                    ["DXMIG_LEDGER"] = Path.Combine(folder, "ledger.db"),
                    ["DXMIG_HOME"] = Path.Combine(folder, "home"),
                    ["DXMIG_PLAIN"] = "1",
                };
                foreach (var (prefix, server) in new[] { ("DXMIG_SRC", source), ("DXMIG_DST", dxmigTarget) })
                {
                    environment[$"{prefix}_HOST"] = server.Host;
                    environment[$"{prefix}_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture);
                    environment[$"{prefix}_SECURITY"] = "none";
                    environment[$"{prefix}_ADMIN_USER"] = server.MasterUser;
                    environment[$"{prefix}_ADMIN_PASSWORD"] = server.MasterPassword;
                }

                // mbsync: one channel per mailbox, 4 processes at a time, arrival dates kept (CopyArrivalDate yes).
                var config = WriteMbsyncConfig(folder, users, source, mbsyncTarget);
                Task<Measured> Dxmig() => WithServersAsync(source, dxmigTarget, () => TimedAsync(dxFile, [.. dxPrefix, "run", job], environment));
                Task<Measured> Mbsync() => WithServersAsync(source, mbsyncTarget, () => ParallelAsync(users, u => TimedAsync("mbsync", ["-c", config, "-q", u], null)));
                Task<Measured> Floor() => WithServersAsync(source, floorTarget, () => FloorAsync(source, floorTarget, users, total, bytes));

                // Each pass starts with no dirty pages left to write back, so neither tool pays for the other's writes.
                Measured dxFirst, dxSecond, mbFirst, mbSecond, floor;
                var dxmigFirst = round % 2 == 1;
                var loadBefore = Uptime();
                if (dxmigFirst)
                {
                    floor = await Synced(Floor);
                    (dxFirst, dxSecond) = (await Synced(Dxmig), await Synced(Dxmig));
                    (mbFirst, mbSecond) = (await Synced(Mbsync), await Synced(Mbsync));
                }
                else
                {
                    (mbFirst, mbSecond) = (await Synced(Mbsync), await Synced(Mbsync));
                    (dxFirst, dxSecond) = (await Synced(Dxmig), await Synced(Dxmig));
                    floor = await Synced(Floor);
                }

                var loadAfter = Uptime();
                results.Add((round, floor, dxFirst, mbFirst));
                Console.WriteLine();
                Console.WriteLine($"round {round} ({(dxmigFirst ? "floor, dxmig, mbsync" : "mbsync, dxmig, floor")}); servers on CPU {sourceCores} (source), {targetCores} (targets):");
                Console.WriteLine($"  uptime before: {loadBefore}");
                Console.WriteLine($"  uptime after:  {loadAfter}");
                Console.WriteLine("| tool, pass | messages | MB | seconds | messages/s | MB/s | × mbsync | % of floor | peak RSS MB | CPU s tool | CPU s source server | CPU s target server |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                Row("copy floor (read + MULTIAPPEND)", total, bytes, floor, mbFirst, floor);
                Row("dxmig, first pass", total, bytes, dxFirst, mbFirst, floor);
                Row("mbsync, first pass", total, bytes, mbFirst, mbFirst, floor);
                Row("dxmig, no-change pass", total, bytes, dxSecond, mbSecond, null);
                Row("mbsync, no-change pass", total, bytes, mbSecond, mbSecond, null);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  the floor program's process: {floor.ProcessSeconds:0.00} s wall with .NET start-up (the floor above is its copy alone, from the first connection to the last answer)"));
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: first pass dxmig {dxFirst.Seconds:0.00} s, mbsync {mbFirst.Seconds:0.00} s, floor {floor.Seconds:0.00} s: dxmig / mbsync {mbFirst.Seconds / dxFirst.Seconds:0.00}×, dxmig at {floor.Seconds / dxFirst.Seconds * 100:0}% of the floor, mbsync at {floor.Seconds / mbFirst.Seconds * 100:0}%; no-change pass {mbSecond.Seconds / dxSecond.Seconds:0.00}× ({dxSecond.Seconds:0.00} s against {mbSecond.Seconds:0.00} s); peak RSS dxmig {dxFirst.RssMb:0} MB; load {LoadOf(loadBefore)} → {LoadOf(loadAfter)}");
                Console.WriteLine(line);
                summary.Add(line);

                if (round == rounds)
                {
                    Console.WriteLine();
                    Console.WriteLine("| target | messages | byte-exact | keywords kept | internal date kept | without Message-ID arrived | doubled |");
                    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
                    await FidelityAsync("dxmig", dxmigTarget, manifest, users);
                    await FidelityAsync("mbsync", mbsyncTarget, manifest, users);
                    await FidelityAsync("copy floor", floorTarget, manifest, users);

                    // The nightly reconciliation of the same mailboxes: metadata only, then with --deep (body hashes).
                    var reconcile = await WithServersAsync(source, dxmigTarget, () => TimedAsync(dxFile, [.. dxPrefix, "reconcile", job, "--out", Path.Combine(folder, "report")], environment));
                    var deep = await WithServersAsync(source, dxmigTarget, () => TimedAsync(dxFile, [.. dxPrefix, "reconcile", job, "--deep", "--out", Path.Combine(folder, "report-deep")], environment));
                    Console.WriteLine();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"reconciliation of {total:N0} messages on both sides: metadata {reconcile.Seconds:0.00} s ({reconcile.RssMb:0} MB peak, {reconcile.CpuSeconds:0.0} CPU s); --deep {deep.Seconds:0.00} s ({deep.RssMb:0} MB, {deep.CpuSeconds:0.0} CPU s)"));
                }
            }

            Console.WriteLine();
            summary.ForEach(Console.WriteLine);
            PrintSummary(results, total, bytes);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<Measured> Synced(Func<Task<Measured>> pass)
    {
        await SyncAsync();
        return await pass();
    }

    /// <summary>Runs a pass and adds the CPU the source and target Dovecot servers spent meanwhile.</summary>
    private static async Task<Measured> WithServersAsync(DovecotServer source, DovecotServer target, Func<Task<Measured>> pass)
    {
        var (source0, target0) = (ServerCpuSeconds(source), ServerCpuSeconds(target));
        var measured = await pass();
        return measured with { SourceCpuSeconds = ServerCpuSeconds(source) - source0, TargetCpuSeconds = ServerCpuSeconds(target) - target0 };
    }

    /// <summary>CPU seconds of a Dovecot server: its master process and every child, reaped or running (<see cref="ProcessTree"/>).</summary>
    internal static double ServerCpuSeconds(DovecotServer server) =>
        ProcessTree.CpuSeconds(cmdline => cmdline.Contains(server.ConfigPath, StringComparison.Ordinal));

    private static string LoadAverage() => ProcessTree.LoadAverage();

    /// <summary>Starts a filled source and an empty target and writes their environment to a file, then waits (profiling).</summary>
    public static async Task<int> ServeAsync(int mailboxes, int messages, string envFile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var passwords = users.ToDictionary(u => u, u => $"{u}-pass");
        var parent = StoreParent();
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        await using var target = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        await new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 7, MessagesPerMailbox = messages, Sizes = MessageSizeDistribution.RealWorld }).FillAsync(source, users);
        var accounts = Path.ChangeExtension(envFile, ".accounts.csv");
        await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{u}\n")));
        var lines = new List<string> { $"export DXMIG_ACCOUNTS={accounts} DXMIG_BENCH_TARGET_ROOT={target.MailRoot} DXMIG_BENCH_SOURCE_ROOT={source.MailRoot}" };
        foreach (var (prefix, server) in new[] { ("DXMIG_SRC", source), ("DXMIG_DST", target) })
        {
            lines.Add($"export {prefix}_HOST={server.Host} {prefix}_PORT={server.Port} {prefix}_SECURITY=none {prefix}_ADMIN_USER={server.MasterUser} {prefix}_ADMIN_PASSWORD={server.MasterPassword}");
        }

        await File.WriteAllLinesAsync(envFile, lines);
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>tmpfs (/dev/shm) for the mail stores unless DXMIG_BENCH_DISK is set; null: the temporary folder.</summary>
    private static string? StoreParent() =>
        Environment.GetEnvironmentVariable("DXMIG_BENCH_DISK") is { Length: > 0 } || !Directory.Exists("/dev/shm") ? null : "/dev/shm";

    private static async Task SyncAsync()
    {
        using var sync = Process.Start("sync")!;
        await sync.WaitForExitAsync();
    }

    /// <summary>
    /// mbsync one way, far (source) to near (target), one channel per mailbox, arrival dates kept; <paramref name="expunge"/>
    /// is mbsync's <c>Expunge</c> (<c>None</c> for the first pass; <c>Near</c> carries deletions to the target).
    /// </summary>
    internal static string WriteMbsyncConfig(string root, IReadOnlyList<string> users, DovecotServer source, DovecotServer target, string expunge = "None")
    {
        var text = new StringBuilder();
        foreach (var user in users)
        {
            foreach (var (side, server) in new[] { ("src", source), ("dst", target) })
            {
                text.Append(CultureInfo.InvariantCulture, $"""
                    IMAPAccount {side}-{user}
                    Host {server.Host}
                    Port {server.Port}
                    User {user}*{server.MasterUser}
                    Pass {server.MasterPassword}
                    SSLType None
                    AuthMechs LOGIN PLAIN

                    IMAPStore {side}-{user}
                    Account {side}-{user}
                    """).Append("\n\n");
            }

            var state = Path.Combine(root, "mbsync-state", user);
            Directory.CreateDirectory(state);
            text.Append(CultureInfo.InvariantCulture, $"""
                Channel {user}
                Far :src-{user}:
                Near :dst-{user}:
                Patterns *
                Create Near
                Sync Pull
                Expunge {expunge}
                CopyArrivalDate yes
                SyncState {state}/
                """).Append("\n\n");
        }

        var path = Path.Combine(root, "mbsyncrc");
        File.WriteAllText(path, text.ToString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static async Task FidelityAsync(string name, DovecotServer target, CorpusManifest manifest, IReadOnlyList<string> users)
    {
        int messages = 0, exact = 0, keywords = 0, dates = 0, noId = 0, noIdArrived = 0, doubled = 0;
        foreach (var user in users)
        {
            using var client = await target.ConnectAsMasterAsync(user);
            var stored = await ImapMailboxReader.ReadMessagesAsync(client);
            messages += stored.Count;
            var bySha = stored.GroupBy(s => s.Sha256).ToDictionary(g => g.Key, g => g.ToList());
            doubled += bySha.Values.Sum(g => g.Count - 1);
            var byId = stored.Where(s => s.MessageId is not null).GroupBy(s => s.MessageId!).ToDictionary(g => g.Key, g => g.First());
            foreach (var source in manifest[user].Messages)
            {
                noId += source.MessageId is null ? 1 : 0;
                // A copy that is not byte-exact is still found: by Message-ID, or (for messages without one) by internal
                // date and a size at most 40 bytes larger (mbsync's X-TUID header).
                var match = bySha.TryGetValue(source.Sha256, out var same) ? same[0]
                    : source.MessageId is not null && byId.TryGetValue(source.MessageId, out var byMessageId) ? byMessageId
                    : stored.FirstOrDefault(s => s.InternalDate == source.InternalDate && s.Size >= source.Size && s.Size <= source.Size + 40 && s.MessageId is null);
                if (match is null)
                {
                    continue;
                }

                exact += match.Sha256 == source.Sha256 ? 1 : 0;
                keywords += source.Keywords.All(k => match.Keywords.Contains(k)) ? 1 : 0;
                dates += match.InternalDate == source.InternalDate ? 1 : 0;
                noIdArrived += source.MessageId is null ? 1 : 0;
            }

            await client.DisconnectAsync(true);
        }

        var total = manifest.Messages.Count();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {messages:N0} / {total:N0} | {exact:N0} | {keywords:N0} | {dates:N0} | {noIdArrived:N0} / {noId:N0} | {doubled:N0} |"));
    }

    /// <summary>Runs <paramref name="run"/> for every mailbox, <see cref="Parallel"/> at a time: wall seconds, peak RSS, CPU summed.</summary>
    internal static async Task<Measured> ParallelAsync(IReadOnlyList<string> users, Func<string, Task<Measured>> run)
    {
        var clock = Stopwatch.StartNew();
        var results = new List<Measured>();
        using var gate = new SemaphoreSlim(Parallel);
        var tasks = users.Select(async u =>
        {
            await gate.WaitAsync();
            try
            {
                var measured = await run(u);
                lock (results)
                {
                    results.Add(measured);
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        return new Measured(clock.Elapsed.TotalSeconds, results.Max(r => r.RssMb), results.Sum(r => r.CpuSeconds));
    }

    /// <summary>Runs a command under GNU time: wall seconds and peak RSS; a failure (dxmig: worse than 1) throws.</summary>
    internal static async Task<Measured> TimedAsync(string file, IReadOnlyList<string> args, IDictionary<string, string>? environment)
    {
        var timed = await RunTimedAsync(file, args, environment);
        if (timed.ExitCode != 0 && !((file == "dotnet" || file.EndsWith("/dxmig", StringComparison.Ordinal)) && timed.ExitCode == 1))
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({timed.ExitCode}): {timed.Output}\n{timed.Error}");
        }

        return timed.Measured;
    }

    /// <summary>Runs a command under GNU time: wall seconds, peak RSS and CPU, with its exit code and output.</summary>
    internal static async Task<Timed> RunTimedAsync(string file, IReadOnlyList<string> args, IDictionary<string, string>? environment)
    {
        // On the tool's core when pinning: taskset -c 1 /usr/bin/time … (GNU time measures the command it runs).
        IReadOnlyList<string> timeArgs = ["-f", "TIMED %e %M %U %S", file, .. args];
        var (command, commandArgs) = PinTools ? CorePinning.OnToolCore("/usr/bin/time", timeArgs) : ("/usr/bin/time", timeArgs);
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in commandArgs)
        {
            info.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = error.Split('\n').LastOrDefault(l => l.StartsWith("TIMED ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{file} gave no timing: {error}");
        var parts = line.Split(' ');
        var measured = new Measured(
            double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture) / 1024,
            double.Parse(parts[3], CultureInfo.InvariantCulture) + double.Parse(parts[4], CultureInfo.InvariantCulture));
        return new Timed(measured, process.ExitCode, await output, error);
    }

    private static void Row(string name, int messages, long bytes, Measured m, Measured mbsync, Measured? floor) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {messages:N0} | {bytes / 1048576.0:N1} | {m.Seconds:N2} | {messages / m.Seconds:N0} | {bytes / 1048576.0 / m.Seconds:N1} | {mbsync.Seconds / m.Seconds:0.00} | {(floor is null ? "—" : (floor.Seconds / m.Seconds * 100).ToString("0", CultureInfo.InvariantCulture))} | {m.RssMb:N0} | {m.CpuSeconds:N1} | {m.SourceCpuSeconds:N1} | {m.TargetCpuSeconds:N1} |"));

    /// <summary>
    /// The first passes side by side, round by round and the best of the rounds (each side's quickest round; the best's
    /// ratios are between the best figures): seconds, messages/s, MB/s, × mbsync, % of floor, peak RSS.
    /// </summary>
    private static void PrintSummary(List<(int Round, Measured Floor, Measured Dxmig, Measured Mbsync)> results, int messages, long bytes)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first pass, {messages:N0} messages, {bytes / 1048576.0:N1} MB; % of floor = floor s / tool s × 100; {CorePinning.Describe().Split(':')[0]}{(CorePinning.Enabled ? ": servers on core 0, the tool on core 1" : "")}:"));
        Console.WriteLine("| round | tool | seconds | messages/s | MB/s | × mbsync | % of floor | peak RSS MB |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        void Line(string round, string tool, Measured m, Measured mbsync, Measured floor) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {round} | {tool} | {m.Seconds:N2} | {messages / m.Seconds:N0} | {bytes / 1048576.0 / m.Seconds:N1} | {mbsync.Seconds / m.Seconds:0.00} | {floor.Seconds / m.Seconds * 100:0} | {m.RssMb:N0} |"));
        foreach (var (round, floor, dxmig, mbsync) in results)
        {
            Line(round.ToString(CultureInfo.InvariantCulture), "dxmig", dxmig, mbsync, floor);
            Line(string.Empty, "mbsync", mbsync, mbsync, floor);
            Line(string.Empty, "copy floor", floor, mbsync, floor);
        }

        var (bestFloor, bestDxmig, bestMbsync) = (results.MinBy(r => r.Floor.Seconds).Floor, results.MinBy(r => r.Dxmig.Seconds).Dxmig, results.MinBy(r => r.Mbsync.Seconds).Mbsync);
        Line($"best of {results.Count}", "dxmig", bestDxmig, bestMbsync, bestFloor);
        Line(string.Empty, "mbsync", bestMbsync, bestMbsync, bestFloor);
        Line(string.Empty, "copy floor", bestFloor, bestMbsync, bestFloor);
    }

    /// <summary>
    /// The copy floor (<see cref="MailCopyFloor"/>) in its own process on the tool's core, into an empty target: its copy
    /// time (first connection to last answer) as Seconds, the process's wall time with start-up as ProcessSeconds.
    /// Every message must have been copied.
    /// </summary>
    internal static async Task<Measured> FloorAsync(DovecotServer source, DovecotServer target, IReadOnlyList<string> users, int messages, long bytes)
    {
        var floor = await RunFloorAsync("copy", source, target, users, null);
        if (floor.Messages != messages)
        {
            throw new InvalidOperationException($"the floor program copied {floor.Messages} messages ({floor.Bytes} bytes) of {messages} ({bytes} bytes)");
        }

        return floor.Measured;
    }

    /// <summary>
    /// Runs the floor program (<c>mail-floor MODE …</c>, <see cref="MailCopyFloor.RunAsync"/>) under GNU time on the
    /// tool's core; the master passwords go through its environment. Seconds: its own copy or sync time (first connection
    /// to last answer); ProcessSeconds: the process's wall time with .NET start-up.
    /// </summary>
    internal static async Task<FloorRun> RunFloorAsync(string mode, DovecotServer source, DovecotServer target, IReadOnlyList<string> users, string? stateFile)
    {
        var environment = new Dictionary<string, string>
        {
            ["DXMIG_FLOOR_MASTER"] = source.MasterUser,
            ["DXMIG_FLOOR_SOURCE_PASSWORD"] = source.MasterPassword,
            ["DXMIG_FLOOR_TARGET_PASSWORD"] = target.MasterPassword,
        };
        List<string> args = [typeof(MailBench).Assembly.Location, "mail-floor", mode,
            source.Port.ToString(CultureInfo.InvariantCulture), target.Port.ToString(CultureInfo.InvariantCulture), string.Join(',', users)];
        if (stateFile is not null)
        {
            args.Add(stateFile);
        }

        var timed = await RunTimedAsync("dotnet", args, environment);
        var line = timed.Output.Split('\n').FirstOrDefault(l => l.StartsWith("FLOOR ", StringComparison.Ordinal));
        if (timed.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"the floor program ({mode}) failed ({timed.ExitCode}): {timed.Output}\n{timed.Error}");
        }

        var parts = line.Split(' ');
        long Part(int i) => long.Parse(parts[i], CultureInfo.InvariantCulture);
        return new FloorRun(
            timed.Measured with { Seconds = double.Parse(parts[3], CultureInfo.InvariantCulture), ProcessSeconds = timed.Measured.Seconds },
            Part(1), Part(2), Part(4), Part(5));
    }

    /// <summary>One run of the floor program: its measurement, the messages and bytes it copied, the folders it opened and the changes it saw.</summary>
    internal sealed record FloorRun(Measured Measured, long Messages, long Bytes, long FoldersOpened, long Changes);

    /// <summary>The output of <c>uptime</c> (load averages), or /proc/loadavg.</summary>
    internal static string Uptime()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "load average: " + LoadAverage();
        }
    }

    /// <summary>The one-minute load from <see cref="Uptime"/>'s text.</summary>
    private static string LoadOf(string uptime) =>
        uptime.Split("load average:", StringSplitOptions.TrimEntries) is [_, var loads] ? loads.Split(',')[0].Trim() : "?";
    /// <summary>
    /// The dxmig a bench runs: the release form when bench/*.sh built it (<c>DXMIG_BENCH_DXMIG</c>: self-contained,
    /// composite ReadyToRun, how jobs are installed for unattended runs), else the development build. The command is
    /// <c>File</c> with <c>Prefix</c> before dxmig's own arguments; null (said on stderr) when neither is built.
    /// </summary>
    internal static (string Path, string File, string[] Prefix, bool Release)? LocateDxmig(string repo)
    {
        var release = Environment.GetEnvironmentVariable("DXMIG_BENCH_DXMIG");
        if (release is { Length: > 0 })
        {
            return File.Exists(release) ? (release, release, [], true) : Missing();
        }

        var dll = Path.Combine(repo, ".dxmig", "bin", "dxmig.dll");
        return File.Exists(dll) ? (dll, "dotnet", [dll], false) : Missing();

        static (string, string, string[], bool)? Missing()
        {
            Console.Error.WriteLine("build dxmig first: ./dxmig --help");
            return null;
        }
    }


    internal static string FindRepo()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Migration.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Migration.sln not found");
    }

    /// <summary>A command's measurement, exit code, standard output and standard error.</summary>
    internal sealed record Timed(Measured Measured, int ExitCode, string Output, string Error);

    internal sealed record Measured(double Seconds, double RssMb, double CpuSeconds)
    {
        public double SourceCpuSeconds { get; init; }

        public double TargetCpuSeconds { get; init; }

        /// <summary>The floor program's process wall time with start-up (its Seconds are the copy alone); NaN for the tools.</summary>
        public double ProcessSeconds { get; init; } = double.NaN;
    }
}

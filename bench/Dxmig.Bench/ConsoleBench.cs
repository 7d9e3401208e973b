using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Sandbox;
using Microsoft.Data.Sqlite;

namespace Dxmig.Bench;

/// <summary>
/// The operator console's load goal (issue 18): twenty people on the live view while a mail job runs must not slow the
/// job by more than 5 %. One IMAP → IMAP job runs inside <c>dxmig serve --console</c>, started by an operator's
/// "run now" (POST /jobs/{name}/run), alternately with nobody watching (baseline) and with twenty signed-in viewers
/// each holding GET /live open and reading every event (loaded), in the order A B B A A B … so that drift on the
/// machine favours neither side. Every run copies into a fresh target Dovecot with a fresh ledger, so the work is the
/// same; its time is the ledger's (ledger_runs StartedUtc → EndedUtc), its CPU read from /proc.
/// </summary>
internal static partial class ConsoleBench
{
    private const string JobName = "mail-imap-to-imap";
    private const string OperatorName = "bench-operator";
    private const string Password = "bench-console-Pw7!x";

    public static async Task<int> RunAsync(int mailboxes, int messages, string profile)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var invariant = CultureInfo.InvariantCulture;
        var repo = MailBench.FindRepo();
        if (MailBench.LocateDxmig(repo) is not { } located)
        {
            return 2;
        }

        var (dxmig, dxFile, dxPrefix, release) = located;

        var rounds = Env("DXMIG_BENCH_ROUNDS", 3);
        var watchers = Env("DXMIG_BENCH_CLIENTS", 20);
        // bench/console.sh runs this process on core 1 (taskset) and says so with DXMIG_BENCH_PIN=on; dxmig serve then goes to core 0.
        var pinned = Environment.GetEnvironmentVariable("DXMIG_BENCH_PIN") == "on";
        var myCpus = pinned ? await OutputOfAsync("taskset", "-cp", Environment.ProcessId.ToString(invariant)) : "(not pinned)";
        Console.WriteLine($"dxmig: {(release ? "release form" : "development build")}: {dxmig}");
        Console.WriteLine(pinned
            ? $"CPU: dxmig serve (the job and the console) pinned to core 0 (taskset -c 0); this bench, both Dovecot servers and the {watchers} clients (one process) share core 1 ({myCpus.Trim()})"
            : "CPU: nothing pinned (DXMIG_BENCH_PIN=off or taskset missing): every process shares every core");
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        var users = Enumerable.Range(1, mailboxes).Select(i => $"user{i:00}").ToList();
        var passwords = users.ToDictionary(u => u, u => $"{u}-pass");
        var parent = Directory.Exists("/dev/shm") && Environment.GetEnvironmentVariable("DXMIG_BENCH_DISK") is not { Length: > 0 } ? "/dev/shm" : null;
        var root = Path.Combine(parent ?? Path.GetTempPath(), $"dxmig-consolebench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        try
        {
            var sizes = profile == "real" ? MessageSizeDistribution.RealWorld : MessageSizeDistribution.Small;
            var corpus = new JapaneseMailCorpus(new JapaneseMailCorpusOptions { Seed = 7, MessagesPerMailbox = messages, Sizes = sizes });
            var manifest = await corpus.FillAsync(source, users);
            var total = manifest.Messages.Count();
            Console.WriteLine(string.Create(invariant,
                $"corpus ({profile} sizes): {mailboxes} mailboxes × {messages} messages = {total:N0} messages, {manifest.TotalBytes / 1048576.0:N1} MB, filled in {manifest.Elapsed.TotalSeconds:N1} s; mail stores and state in {parent ?? Path.GetTempPath()}"));
            var warm = Stopwatch.StartNew();
            await MailBench.ParallelAsync(users, async u =>
            {
                using var client = await source.ConnectAsMasterAsync(u);
                await ImapMailboxReader.ReadMessagesAsync(client);
                await client.DisconnectAsync(true);
                return new MailBench.Measured(0, 0, 0);
            });
            Console.WriteLine(string.Create(invariant, $"source read once before timing in {warm.Elapsed.TotalSeconds:N1} s"));

            var accounts = Path.Combine(root, "accounts.csv");
            await File.WriteAllTextAsync(accounts, "source,target\n" + string.Concat(users.Select(u => $"{u},{u}\n")));
            var jobs = Path.Combine(root, "jobs");
            Directory.CreateDirectory(jobs);
            await File.WriteAllTextAsync(Path.Combine(jobs, JobName + ".yaml"), (await File.ReadAllTextAsync(Path.Combine(repo, "jobs", "examples", JobName + ".yaml")))
                .Replace(": mappings/", ": " + Path.Combine(repo, "mappings") + "/", StringComparison.Ordinal)
                .Replace("  batch-size: 200", "  batch-size: 200\n  reconcile: off", StringComparison.Ordinal));

            // Console accounts through the command an admin uses: one operator (who presses "run now") and the viewers.
            var consoleAccounts = Path.Combine(root, "console-accounts.txt");
            await AccountAsync(dxFile, dxPrefix, OperatorName, "operator", consoleAccounts);
            for (var i = 1; i <= watchers; i++)
            {
                await AccountAsync(dxFile, dxPrefix, Watcher(i), "viewer", consoleAccounts);
            }

            var results = new List<RunResult>();
            var index = 0;
            for (var round = 1; round <= rounds; round++)
            {
                // A B, B A, A B …: each side goes first as often as the other.
                var order = round % 2 == 1 ? new[] { false, true } : [true, false];
                foreach (var loaded in order)
                {
                    index++;
                    var result = await RunOnceAsync(root, jobs, consoleAccounts, accounts, source, passwords, parent, dxFile, dxPrefix, total, loaded ? watchers : 0, pinned, index);
                    results.Add(result with { Round = round });
                    Console.WriteLine(result.Line(round));
                }
            }

            Report(results, total, watchers);
            Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
            return results.All(r => r.Loaded == total && r.ExitCode == 0) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    private static string Watcher(int i) => $"watcher{i:00}";

    private static async Task AccountAsync(string file, string[] prefix, string name, string role, string accountsFile)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in prefix.Concat(["console-account", name, "--role", role, "--file", accountsFile]))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteLineAsync(Password);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"console-account {name} failed ({process.ExitCode}): {await output}\n{error}");
        }
    }

    private static async Task<RunResult> RunOnceAsync(
        string root, string jobs, string consoleAccounts, string accounts, DovecotServer source, Dictionary<string, string> passwords, string? parent,
        string dxFile, string[] dxPrefix, int total, int watchers, bool pinned, int index)
    {
        var invariant = CultureInfo.InvariantCulture;
        var folder = Path.Combine(root, $"run{index}");
        Directory.CreateDirectory(folder);
        await using var target = await DovecotServer.StartAsync(new DovecotOptions { Users = passwords, ParentDirectory = parent });
        await SyncAsync();
        var port = FreePort();
        var info = new ProcessStartInfo(pinned ? "taskset" : dxFile) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (pinned ? ["-c", "0", dxFile] : Array.Empty<string>()).Concat(dxPrefix).Concat(
            ["serve", "--jobs", jobs, "--store", Path.Combine(folder, "scheduler.db"), "--node", "bench",
             "--console", $"http://127.0.0.1:{port.ToString(invariant)}", "--console-accounts", consoleAccounts]))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DXMIG_ACCOUNTS"] = accounts;
        info.Environment["DXMIG_LEDGER"] = Path.Combine(folder, "ledger.db");
        info.Environment["DXMIG_HOME"] = Path.Combine(folder, "home");
        info.Environment["DXMIG_PLAIN"] = "1";
        foreach (var (prefix, server) in new[] { ("DXMIG_SRC", source), ("DXMIG_DST", target) })
        {
            info.Environment[$"{prefix}_HOST"] = server.Host;
            info.Environment[$"{prefix}_PORT"] = server.Port.ToString(invariant);
            info.Environment[$"{prefix}_SECURITY"] = "none";
            info.Environment[$"{prefix}_ADMIN_USER"] = server.MasterUser;
            info.Environment[$"{prefix}_ADMIN_PASSWORD"] = server.MasterPassword;
        }

        using var serve = Process.Start(info)!;
        var log = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(line);
            }

            if (line.Contains("operator console", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }

            if (EndedPattern().Match(line) is { Success: true } m)
            {
                ended.TrySetResult(int.Parse(m.Groups[1].Value, invariant));
            }
        }

        serve.OutputDataReceived += (_, e) => OnLine(e.Data);
        serve.ErrorDataReceived += (_, e) => OnLine(e.Data);
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        Process? clients = null;
        try
        {
            if (await Task.WhenAny(started.Task, serve.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120))) != started.Task)
            {
                throw new InvalidOperationException($"dxmig serve --console did not start:\n{log}");
            }

            var address = new Uri($"http://127.0.0.1:{port.ToString(invariant)}/");
            using var operatorClient = await SignedInAsync(address, OperatorName);
            if (watchers > 0)
            {
                var watch = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { typeof(ConsoleBench).Assembly.Location, "console-watch", address.ToString(), watchers.ToString(invariant) })
                {
                    watch.ArgumentList.Add(a);
                }

                clients = Process.Start(watch)!;
                var ready = await clients.StandardOutput.ReadLineAsync();
                if (ready is null || !ready.StartsWith("READY", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"the watching clients did not start: {ready}\n{await clients.StandardError.ReadToEndAsync()}");
                }
            }

            // The same quiet moment on both sides after the sign-ins, then the operator presses "run now".
            await Task.Delay(TimeSpan.FromSeconds(3));
            var (serveCpu0, sourceCpu0, targetCpu0) = (OwnCpuSeconds(serve.Id), MailBench.ServerCpuSeconds(source), MailBench.ServerCpuSeconds(target));
            var clientCpu0 = clients is null ? 0 : OwnCpuSeconds(clients.Id);
            var busy0 = ProcessTree.MachineBusySeconds();
            var wall = Stopwatch.StartNew();
            await RunNowAsync(operatorClient);
            var exit = await ended.Task.WaitAsync(TimeSpan.FromMinutes(20));
            wall.Stop();
            var serveCpu = OwnCpuSeconds(serve.Id) - serveCpu0;
            var sourceCpu = MailBench.ServerCpuSeconds(source) - sourceCpu0;
            var targetCpu = MailBench.ServerCpuSeconds(target) - targetCpu0;
            var clientCpu = clients is null ? 0 : OwnCpuSeconds(clients.Id) - clientCpu0;
            var machine = ProcessTree.MachineBusySeconds() - busy0;
            var watched = new List<ClientCount>();
            if (clients is not null)
            {
                await clients.StandardInput.WriteLineAsync("stop");
                clients.StandardInput.Close();
                while (await clients.StandardOutput.ReadLineAsync() is { } line)
                {
                    if (ClientCount.Parse(line) is { } count)
                    {
                        watched.Add(count);
                    }
                }

                await clients.WaitForExitAsync();
            }

            var (seconds, loaded) = await LedgerRunAsync(Path.Combine(folder, "ledger.db"));
            return new RunResult(watchers, seconds, wall.Elapsed.TotalSeconds, serveCpu, sourceCpu + targetCpu, clientCpu, machine, loaded, exit, watched,
                File.ReadAllText("/proc/loadavg").Split(' ')[0]);
        }
        finally
        {
            if (clients is { HasExited: false })
            {
                clients.Kill();
            }

            clients?.Dispose();
            if (!serve.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", serve.Id.ToString(invariant)]);
                await term.WaitForExitAsync();
                var exited = serve.WaitForExitAsync();
                if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(30))) != exited)
                {
                    serve.Kill();
                }
            }

            await serve.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The operator's "run now": the job page's form with its antiforgery token (a second confirmation when outside the window).</summary>
    private static async Task RunNowAsync(HttpClient client)
    {
        var token = await TokenAsync(client, $"/jobs/{JobName}");
        var form = new Dictionary<string, string> { ["__dxmig_af"] = token };
        using var response = await client.PostAsync($"/jobs/{JobName}/run", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK && body.Contains("confirm-outside", StringComparison.Ordinal))
        {
            form["outside"] = "yes";
            form["__dxmig_af"] = TokenPattern().Match(body) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : token;
            using var again = await client.PostAsync($"/jobs/{JobName}/run", new FormUrlEncodedContent(form));
            if (again.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"run now (outside the window) answered {(int)again.StatusCode}: {await again.Content.ReadAsStringAsync()}");
            }

            return;
        }

        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"run now answered {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>A client (cookies kept, redirects not followed) signed in with a local account through the sign-in form.</summary>
    internal static async Task<HttpClient> SignedInAsync(Uri address, string name)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = address,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var token = await TokenAsync(client, "/signin");
        using var response = await client.PostAsync("/signin/local", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = name, ["password"] = Password, ["returnUrl"] = "/", ["__dxmig_af"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {name} answered {(int)response.StatusCode}");
        }

        return client;
    }

    private static async Task<string> TokenAsync(HttpClient client, string page)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var html = await client.GetStringAsync(page, cancel.Token);
        return TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token on " + page);
    }

    [GeneratedRegex("name=\"__dxmig_af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("ended with exit code (\\d+)")]
    private static partial Regex EndedPattern();

    /// <summary>The run's time by the ledger (StartedUtc → EndedUtc) and the messages it loaded.</summary>
    private static async Task<(double Seconds, long Loaded)> LedgerRunAsync(string ledger)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = ledger, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"StartedUtc\", \"EndedUtc\", \"Loaded\" FROM ledger_runs WHERE \"Job\" = $job ORDER BY \"StartedUtc\" DESC LIMIT 1";
        command.Parameters.AddWithValue("$job", JobName);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync() || reader.IsDBNull(1))
        {
            throw new InvalidOperationException("the ledger holds no ended run");
        }

        var startedUtc = DateTime.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var endedUtc = DateTime.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return ((endedUtc - startedUtc).TotalSeconds, reader.GetInt64(2));
    }

    /// <summary>User + system CPU seconds of one process (its own threads), from /proc/PID/stat.</summary>
    private static double OwnCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task SyncAsync()
    {
        using var sync = Process.Start("sync")!;
        await sync.WaitForExitAsync();
    }

    private static async Task<string> OutputOfAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }

    private static void Report(List<RunResult> results, int total, int watchers)
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| round | side | run s (ledger) | messages/s | CPU s dxmig serve | CPU s Dovecot | CPU s clients | CPU s whole machine | load 1 min after | events per client (min–max) | events with the run | items seen first → last |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(invariant,
                $"| {r.Round} | {(r.Watchers == 0 ? "baseline (nobody watching)" : $"loaded ({r.Watchers} on /live)")} | {r.Seconds:0.00} | {total / r.Seconds:N0} | {r.ServeCpu:0.0} | {r.DovecotCpu:0.0} | {(r.Watchers == 0 ? "—" : r.ClientCpu.ToString("0.0", invariant))} | {r.MachineCpu:0.0} | {r.LoadAfter} | {r.EventsText()} |"));
        }

        var ratios = results.GroupBy(r => r.Round)
            .Select(g => (Round: g.Key, Base: g.First(r => r.Watchers == 0), Load: g.First(r => r.Watchers > 0)))
            .Select(p => (p.Round, Ratio: p.Load.Seconds / p.Base.Seconds, Cpu: p.Load.ServeCpu / p.Base.ServeCpu)).ToList();
        var median = Median(ratios.Select(r => r.Ratio));
        var cpuMedian = Median(ratios.Select(r => r.Cpu));
        var pooled = Median(results.Where(r => r.Watchers > 0).Select(r => r.Seconds)) / Median(results.Where(r => r.Watchers == 0).Select(r => r.Seconds));
        Console.WriteLine();
        Console.WriteLine("ratio loaded / baseline per round: " + string.Join(", ", ratios.Select(r => string.Create(invariant, $"round {r.Round} {r.Ratio:0.000} (CPU {r.Cpu:0.000})"))));
        Console.WriteLine(string.Create(invariant,
            $"median ratio {median:0.000}: slowdown {(median - 1) * 100:+0.0;-0.0} % against the goal of at most +5 % ({(median <= 1.05 ? "met" : "NOT met")}); median of the loaded runs / median of the baseline runs {pooled:0.000}; dxmig serve CPU median ratio {cpuMedian:0.000} ({(cpuMedian - 1) * 100:+0.0;-0.0} %)"));
        // What the watching costs dxmig serve: its extra CPU in a loaded run over the paired baseline, per second of the run.
        var pairs = results.GroupBy(r => r.Round).Select(g => (Base: g.First(r => r.Watchers == 0), Load: g.First(r => r.Watchers > 0))).ToList();
        var extra = Median(pairs.Select(p => (p.Load.ServeCpu - p.Base.ServeCpu) / p.Load.Seconds * 1000));
        var events = Median(pairs.Select(p => p.Load.Clients.Sum(c => (double)c.Events) / p.Load.WallSeconds));
        Console.WriteLine(string.Create(invariant,
            $"the console's cost in dxmig serve: median {extra:0} CPU ms per second of the run more than nobody watching ({extra / 10:0.0} % of one core), for ~{events:0} events/s written ({watchers} clients × 1 snapshot/s)"));
        var loaded = results.Where(r => r.Watchers > 0).ToList();
        Console.WriteLine(string.Create(invariant,
            $"watching: {watchers} clients per loaded run; every client received events with the run and saw its item count grow in every loaded run: {(loaded.All(r => r.Clients.Count == watchers && r.Clients.All(c => c.RunEvents > 0 && c.LastItems > c.FirstItems)) ? "yes" : "NO")}"));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>One run's figures.</summary>
    private sealed record RunResult(
        int Watchers, double Seconds, double WallSeconds, double ServeCpu, double DovecotCpu, double ClientCpu, double MachineCpu, long Loaded, int ExitCode,
        IReadOnlyList<ClientCount> Clients, string LoadAfter)
    {
        public int Round { get; init; }

        public string EventsText()
        {
            if (Watchers == 0)
            {
                return "— | — | —";
            }

            var events = Clients.Select(c => c.Events).DefaultIfEmpty().ToList();
            var runEvents = Clients.Select(c => c.RunEvents).DefaultIfEmpty().ToList();
            return string.Create(CultureInfo.InvariantCulture,
                $"{events.Min()}–{events.Max()} ({Clients.Count} clients) | {runEvents.Min()}–{runEvents.Max()} | {Clients.Select(c => c.FirstItems).DefaultIfEmpty().Min():N0} → {Clients.Select(c => c.LastItems).DefaultIfEmpty().Max():N0} (grew {Clients.Select(c => c.Increases).DefaultIfEmpty().Min()}+ times each)");
        }

        public string Line(int round) => string.Create(CultureInfo.InvariantCulture,
            $"round {round}, {(Watchers == 0 ? "baseline, nobody watching" : $"loaded, {Watchers} clients on /live")}: run {Seconds:0.00} s by the ledger ({WallSeconds:0.00} s from the click to the end line), exit code {ExitCode}, {Loaded:N0} loaded; CPU s serve {ServeCpu:0.0}, Dovecot {DovecotCpu:0.0}, clients {ClientCpu:0.0}, machine {MachineCpu:0.0}; load {LoadAfter}{(Watchers == 0 ? string.Empty : "; events " + EventsText())}");
    }
}

/// <summary>What one watching client saw: events, events that showed the run, the run's item count first and last, how often it grew.</summary>
internal sealed record ClientCount(int Client, int Events, int RunEvents, long FirstItems, long LastItems, int Increases)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"CLIENT {Client} {Events} {RunEvents} {FirstItems} {LastItems} {Increases}");

    public static ClientCount? Parse(string line)
    {
        var p = line.Split(' ');
        return p.Length == 7 && p[0] == "CLIENT"
            ? new ClientCount(int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture), int.Parse(p[3], CultureInfo.InvariantCulture),
                long.Parse(p[4], CultureInfo.InvariantCulture), long.Parse(p[5], CultureInfo.InvariantCulture), int.Parse(p[6], CultureInfo.InvariantCulture))
            : null;
    }
}

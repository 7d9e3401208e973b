using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Scheduling;
using Dxmig.Sandbox;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Npgsql;

namespace Dxmig.Bench;

/// <summary>
/// The whole migration rehearsed at 1/50 scale (issue 19, items 4 and 5): mail (IMAP → the Graph emulator, the real
/// size mix), CESS staff, schedules and facility reservations, a CESS documents export (→ OneDrive in the emulator) and
/// the mobile inventory, every job fired once by the clustered scheduler of TWO <c>dxmig serve</c> processes that share
/// one PostgreSQL scheduler store and PostgreSQL ledgers, in one run window on the closed-day calendar; the CSV kinds
/// load a PostgreSQL platform store. Before the fire <c>dxmig plan JOB --json --nodes 2</c> estimates each job; after
/// the run every job is reconciled (<c>dxmig reconcile</c>) and the estimate is compared with the measurement.
/// </summary>
internal static class RehearsalBench
{
    private const double MiB = 1048576.0;

    /// <summary>
    /// Messages per mailbox at 1/50 scale with factor 1: about 40 MB of the real size mix (72 KB a message on average as
    /// the corpus draws it: 12,000 messages were 860 MB), so 150 mailboxes hold the issue's ~6 GB.
    /// </summary>
    private const int FullMessagesPerMailbox = 560;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    public static async Task<int> RunAsync(string profile, double factor, double scale, int parallelism, string? rates)
    {
        Contracts.Text.JapaneseEncodings.EnsureRegistered();
        var repo = MailBench.FindRepo();
        if (MailBench.LocateDxmig(repo) is not { } dxmig)
        {
            return 2;
        }

        var size = RehearsalSize.For(profile, factor);
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        var root = Path.Combine(parent ?? Path.GetTempPath(), $"dxmig-rehearsal-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"rehearsal ({profile}): {size}");
        Console.WriteLine(string.Create(Invariant,
            $"mail bytes: factor {factor} of the 1/50 scale ({FullMessagesPerMailbox} messages of the real size mix per mailbox at factor 1, about 40 MB, 6 GB for 150; {size.MessagesPerMailbox} here): message counts are scaled, each message keeps its real size"));
        Console.WriteLine($"dxmig: {(dxmig.Release ? "release form (" + dxmig.Path + ")" : "development build (" + dxmig.Path + ")")}");
        var users = Enumerable.Range(1, size.Mailboxes).Select(i => $"user{i:000}").ToList();
        var owners = Enumerable.Range(0, size.DocumentOwners).Select(DocumentSamples.Upn).ToList();
        var budgets = new ThrottlingSettings().Scaled(scale);
        try
        {
            await using var source = await DovecotServer.StartAsync(new DovecotOptions { Users = users.ToDictionary(u => u, u => $"{u}-pass"), ParentDirectory = parent });
            await using var postgres = await PostgresServer.StartAsync();
            await using var graph = await GraphEmulator.GraphEmulator.StartAsync(
                new GraphEmulatorOptions { Users = [.. users.Select(GraphJob.Upn), .. owners], Throttling = budgets, MaxMessageBytes = 150L * 1024 * 1024 },
                CancellationToken.None);
            Console.WriteLine(GraphJob.Budgets(scale, budgets) + " — the service's rates, its windows shrunk by the scale");

            var setup = await PrepareAsync(repo, root, size, users, source, postgres, graph, parallelism);
            Console.WriteLine(string.Create(Invariant, $"prepared in {clock.Elapsed.TotalSeconds:0} s (sources generated and filled, databases created)"));

            var plans = await PlanAsync(dxmig, setup, rates ?? ScaledRates(repo, setup.JobsFolder, scale));
            var run = await RunNodesAsync(dxmig, setup, source, postgres, size.Profile == "small" ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(45));
            var measured = new List<JobMeasure>();
            foreach (var job in setup.Jobs)
            {
                measured.Add(await MeasureAsync(job, run, graph, users, owners));
            }

            var reconciled = new List<Reconciled>();
            foreach (var job in setup.Jobs)
            {
                reconciled.Add(await ReconcileAsync(dxmig, setup, job));
            }

            Print(setup, run, measured, reconciled, plans, budgets, scale);
            var clean = measured.All(m => m.Outcome is "Succeeded") && reconciled.All(r => r.ExitCode == 0);
            Console.WriteLine(string.Create(Invariant, $"rehearsal done in {clock.Elapsed.TotalSeconds:0} s in all; {(clean ? "every job succeeded and reconciled complete" : "NOT every job succeeded and reconciled complete: see the tables")}"));
            return clean ? 0 : 1;
        }
        finally
        {
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

    private static async Task<Setup> PrepareAsync(
        string repo, string root, RehearsalSize size, List<string> users, DovecotServer source, PostgresServer postgres, GraphEmulator.GraphEmulator graph, int parallelism)
    {
        var exports = Path.Combine(root, "exports");
        var jobs = Path.Combine(root, "jobs");
        Directory.CreateDirectory(exports);
        Directory.CreateDirectory(jobs);
        var mappings = Path.Combine(repo, "mappings").Replace('\\', '/');

        var generate = Stopwatch.StartNew();
        var manifest = await new JapaneseMailCorpus(new JapaneseMailCorpusOptions
        {
            Seed = 19, MessagesPerMailbox = size.MessagesPerMailbox, Sizes = MessageSizeDistribution.RealWorld,
        }).FillAsync(source, users);
        Console.WriteLine(string.Create(Invariant,
            $"mail: {users.Count} mailboxes, {manifest.Messages.Count():N0} messages, {manifest.TotalBytes / MiB:N1} MB ({manifest.TotalBytes / MiB / 1024:0.00} GB) in Dovecot, filled in {generate.Elapsed.TotalSeconds:0} s; largest message {manifest.Messages.Max(m => m.Size) / MiB:0.0} MB"));

        generate.Restart();
        StaffSamples.Write(Path.Combine(exports, "staff.csv"), Path.Combine(exports, "staff-identity.csv"), new StaffSampleOptions(size.Staff));
        CalendarSamples.WriteMappings(Path.Combine(exports, "calendar-identity.csv"), Path.Combine(exports, "facilities.csv"), size.Staff);
        CalendarSamples.WriteSchedules(Path.Combine(exports, "schedules.csv"), new CalendarSampleOptions(size.Schedules, size.Staff));
        CalendarSamples.WriteReservations(Path.Combine(exports, "reservations.csv"), new CalendarSampleOptions(size.Reservations, size.Staff));
        var documents = DocumentSamples.Write(Path.Combine(exports, "documents"), Path.Combine(exports, "documents.csv"), Path.Combine(exports, "documents-identity.csv"),
            new DocumentSampleOptions(size.Documents, size.DocumentOwners, LargeFiles: size.LargeDocuments, WithOddNames: false));
        // Holders and permitted people are staff of the same store (2,000 of them at most, as the sample draws them): fewer
        // staff than that would leave people the reconciliation rightly reports as conflicts.
        MobileSamples.Write(Path.Combine(exports, "mobile"), new MobileSampleOptions(size.Devices, Math.Min(2_000, size.Staff)));
        Console.WriteLine(string.Create(Invariant,
            $"exports: {size.Staff:N0} staff, {size.Schedules:N0} schedules, {size.Reservations:N0} reservations, {documents:N0} documents ({size.DocumentOwners} owners), {size.Devices:N0} devices — generated in {generate.Elapsed.TotalSeconds:0} s"));

        var store = await postgres.CreateDatabaseAsync();
        var scheduler = await postgres.CreateDatabaseAsync();
        var (mailJob, accounts) = await GraphJob.WriteAsync(repo, jobs, users, parallelism, reconcile: false);
        var mailLedger = await postgres.CreateDatabaseAsync();
        await File.WriteAllTextAsync(mailJob, (await File.ReadAllTextAsync(mailJob)).Replace("${DXMIG_LEDGER:-}", Quote(mailLedger), StringComparison.Ordinal));
        var list = new List<Job>
        {
            new("mail-imap-to-graph", "mail", "Graph (emulator) mailboxes", mailJob, mailLedger, [.. users.Select(GraphJob.Upn)]),
        };

        async Task Add(string name, string kind, string target, string body, IReadOnlyList<string>? graphUsers = null)
        {
            var ledger = await postgres.CreateDatabaseAsync();
            var path = Path.Combine(jobs, name + ".yaml");
            await File.WriteAllTextAsync(path, $"name: {name}\nkind: {kind}\n{body.Replace("{ledger}", Quote(ledger), StringComparison.Ordinal)}");
            list.Add(new Job(name, kind, target, path, ledger, graphUsers ?? []));
        }

        var options = $"options:\n  parallelism: {parallelism}\n  reconcile: off\n";
        var graphTarget = """
              base-url: ${DXMIG_GRAPH_BASE_URL}
              authority-host: ${DXMIG_GRAPH_AUTHORITY}
              tenant-id: ${DXMIG_GRAPH_TENANT}
              client-id: ${DXMIG_GRAPH_CLIENT_ID}
              client-secret-env: DXMIG_GRAPH_CLIENT_SECRET
              certificate-sha256: ${DXMIG_GRAPH_CERT_SHA256}
            """;
        await Add("cess-staff", "cess-staff", "PostgreSQL platform store", $"""
            source:
              type: cess-staff-csv
              file: {exports}/staff.csv
            target:
              type: platform-staff
              store: {Quote(store)}
            ledger: {"{ledger}"}
            mappings:
              fields: {mappings}/cess-staff-fields.yaml
              departments: {mappings}/cess-departments.csv
              identity: {exports}/staff-identity.csv
              gaiji: {mappings}/gaiji.csv
            {options}
            """);
        await Add("cess-schedules", "cess-schedules", "PostgreSQL platform store", $"""
            source:
              type: cess-schedules-csv
              file: {exports}/schedules.csv
            target:
              type: platform-calendar
              store: {Quote(store)}
            ledger: {"{ledger}"}
            mappings:
              fields: {mappings}/cess-schedule-fields.yaml
              identity: {exports}/calendar-identity.csv
              gaiji: {mappings}/gaiji.csv
            {options}
            """);
        await Add("cess-facilities", "cess-facilities", "PostgreSQL platform store", $"""
            source:
              type: cess-facilities-csv
              file: {exports}/reservations.csv
            target:
              type: platform-calendar
              store: {Quote(store)}
            ledger: {"{ledger}"}
            mappings:
              fields: {mappings}/cess-reservation-fields.yaml
              facilities: {exports}/facilities.csv
              identity: {exports}/calendar-identity.csv
            {options}
            """);
        await Add("cess-documents", "cess-documents", "Graph (emulator) OneDrive + PostgreSQL store", $"""
            source:
              type: cess-documents
              folder: {exports}/documents
              metadata: {exports}/documents.csv
            target:
              type: graph-drive
              drive: owner
              folder: CESS文書
            {graphTarget}
              store: {Quote(store)}
            ledger: {"{ledger}"}
            mappings:
              fields: {mappings}/cess-document-fields.yaml
              names: {mappings}/sharepoint-names.yaml
              identity: {exports}/documents-identity.csv
            {options}
            """, [.. Enumerable.Range(0, size.DocumentOwners).Select(DocumentSamples.Upn)]);
        await Add("mobile-devices", "mobile-devices", "PostgreSQL platform store", $"""
            source:
              type: mobile-work-csv
              devices: {exports}/mobile/devices.csv
              permissions: [{exports}/mobile/telework-mobile.csv, {exports}/mobile/telework-home.csv]
            target:
              type: platform-store
              store: {Quote(store)}
            ledger: {"{ledger}"}
            mappings:
              device-fields: {mappings}/mobile-device-fields.yaml
              permission-fields: {mappings}/telework-permission-fields.yaml
              groups: {mappings}/telework-groups.yaml
            {options}
            """);

        var environment = GraphJob.Environment(source, accounts, mailLedger, graph);
        environment["DXMIG_HOME"] = Path.Combine(root, "home");
        var window = Window.OpenNow(jobs);
        Console.WriteLine(window.Describe());
        foreach (var job in list)
        {
            await window.WriteScheduleAsync(job.Path, fireAt: null);
        }

        return new Setup(root, jobs, list, environment, scheduler, store, window, parallelism, manifest.Messages.Count(), manifest.TotalBytes);
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The shipped rates file (<c>mappings/plan-rates.yaml</c>) as it applies to this rehearsal's emulator: Graph's budget
    /// windows shrunk by the scale (the rates per second stay the service's), every other entry as shipped. Written beside
    /// the jobs and given to plan with <c>--rates</c>, so the estimate uses the same figures a team would, not a fit.
    /// </summary>
    private static string? ScaledRates(string repo, string jobsFolder, double scale)
    {
        var shipped = Path.Combine(repo, "mappings", "plan-rates.yaml");
        if (!File.Exists(shipped))
        {
            return null;
        }

        var lines = File.ReadAllLines(shipped).Select(line =>
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, @"^(\s*(?:items|mb)-window-seconds:\s*)([0-9.]+)(.*)$");
            return match.Success
                ? match.Groups[1].Value + (double.Parse(match.Groups[2].Value, Invariant) * scale).ToString("0.###", Invariant) + match.Groups[3].Value
                : line;
        });
        var scaled = Path.Combine(jobsFolder, "mappings", "rehearsal-rates.yaml");
        File.WriteAllLines(scaled, ["# mappings/plan-rates.yaml with Graph's budget windows x " + scale.ToString("0.###", Invariant) + " (the rehearsal's emulator)", .. lines]);
        Console.WriteLine($"plan rates: {shipped} with Graph's budget windows x {scale.ToString("0.###", Invariant)} -> {scaled}");
        return scaled;
    }

    /// <summary>
    /// <c>dxmig plan JOB --json --nodes 2 [--rates FILE]</c> for every job; a job whose plan exits non-zero (the option
    /// not in this build, or an estimate that failed) is "not available" and the rehearsal goes on.
    /// </summary>
    private static async Task<Dictionary<string, Plan?>> PlanAsync((string Path, string File, string[] Prefix, bool Release) dxmig, Setup setup, string? rates)
    {
        var plans = new Dictionary<string, Plan?>(StringComparer.Ordinal);
        foreach (var job in setup.Jobs)
        {
            string[] args = [.. dxmig.Prefix, "plan", job.Path, "--json", "--nodes", "2", .. rates is { Length: > 0 } ? new[] { "--rates", rates } : []];
            var timed = await MailBench.RunTimedAsync(dxmig.File, args, setup.Environment);
            plans[job.Name] = timed.ExitCode == 0 ? Plan.Parse(timed.Output) : null;
            Console.WriteLine(plans[job.Name] is { } plan
                ? string.Create(Invariant, $"plan {job.Name}: {plan.Accounts:N0} accounts, {plan.Items:N0} items, {plan.Bytes / MiB:N1} MB, estimate {plan.WallSeconds:0} s wall on 2 nodes × parallelism {plan.Parallelism} ({plan.RateSource}; {timed.Measured.Seconds:0.0} s to plan)")
                : $"plan {job.Name}: not available (exit {timed.ExitCode}: {FirstLine(timed.Error + "\n" + timed.Output)})");
        }

        return plans;
    }

    private static string FirstLine(string text) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;

    /// <summary>
    /// Sets every job's fire a little ahead, starts the two serve nodes, waits until every job has run to its end, and
    /// stops the nodes with SIGTERM. CPU and peak RSS are read from /proc while they run.
    /// </summary>
    private static async Task<NodesRun> RunNodesAsync(
        (string Path, string File, string[] Prefix, bool Release) dxmig, Setup setup, DovecotServer source, PostgresServer postgres, TimeSpan limit)
    {
        // The serve nodes need a few seconds to start (more on a loaded machine); the fire is one moment for every job.
        var fireAt = DateTimeOffset.UtcNow.AddSeconds(40);
        foreach (var job in setup.Jobs)
        {
            await setup.Window.WriteScheduleAsync(job.Path, fireAt);
        }

        Console.WriteLine(string.Create(Invariant,
            $"fire: every job once at {TimeZoneInfo.ConvertTime(fireAt, Tokyo):HH:mm:ss} Tokyo (a one-time cron), by whichever node the clustered Quartz store gives it to; the other node joins the open run"));
        var loadBefore = MailBench.Uptime();
        var nodesStarted = DateTimeOffset.UtcNow;
        var machine0 = ProcessTree.MachineBusySeconds();
        var (dovecot0, postgres0, own0) = (DovecotCpu(source), PostgresCpu(postgres), OwnCpu());
        var nodes = new List<ServeNode>();
        foreach (var name in new[] { "node-1", "node-2" })
        {
            nodes.Add(ServeNode.Start(name, dxmig, setup));
        }

        var deadline = DateTime.UtcNow + limit;
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        var last = string.Empty;
        while (true)
        {
            await Task.Delay(2000);
            foreach (var job in setup.Jobs)
            {
                states[job.Name] = await RunStateAsync(job.Ledger);
            }

            var line = string.Join(", ", setup.Jobs.Select(j => $"{j.Name} {states[j.Name]}"));
            if (line != last)
            {
                Console.WriteLine(string.Create(Invariant, $"  {(DateTimeOffset.UtcNow - fireAt).TotalSeconds,6:0} s after the fire: {line}"));
                last = line;
            }

            if (states.Values.All(s => s is not ("waiting" or "Running")))
            {
                break;
            }

            if (nodes.FirstOrDefault(n => n.Process.HasExited) is { } dead)
            {
                Console.WriteLine($"{dead.Name} exited early ({dead.Process.ExitCode}):\n{Tail(dead.Output, 30)}");
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                Console.WriteLine(string.Create(Invariant, $"not every job ended within {limit.TotalMinutes:0} minutes; stopping the nodes"));
                break;
            }
        }

        var ended = DateTimeOffset.UtcNow;
        var machine = ProcessTree.MachineBusySeconds() - machine0;
        var (dovecot, pg, own) = (DovecotCpu(source) - dovecot0, PostgresCpu(postgres) - postgres0, OwnCpu() - own0);
        foreach (var node in nodes)
        {
            node.Sample();
        }

        var loadAfter = MailBench.Uptime();
        foreach (var node in nodes)
        {
            await node.StopAsync();
        }

        return new NodesRun(fireAt, nodesStarted, ended, nodes, loadBefore, loadAfter, machine, dovecot, pg, own);
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>"waiting" before the job's first run, "Running" while one runs, else the last run's outcome.</summary>
    private static async Task<string> RunStateAsync(string ledger)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ledger);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT \"Outcome\" FROM ledger_runs WHERE NOT \"DryRun\" ORDER BY \"StartedUtc\" DESC LIMIT 1", connection);
            return await command.ExecuteScalarAsync() as string ?? "waiting";
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable)
        {
            return "waiting";
        }
    }

    private static async Task<JobMeasure> MeasureAsync(Job job, NodesRun run, GraphEmulator.GraphEmulator graph, List<string> users, List<string> owners)
    {
        await using var connection = new NpgsqlConnection(job.Ledger);
        await connection.OpenAsync();
        double? started = null, ended = null;
        long seen = 0, loaded = 0, bytes = 0, quarantined = 0;
        var outcome = "no run";
        var runs = 0;
        await using (var command = new NpgsqlCommand(
            "SELECT EXTRACT(EPOCH FROM MIN(\"StartedUtc\"))::float8, EXTRACT(EPOCH FROM MAX(\"EndedUtc\"))::float8, COALESCE(SUM(\"Seen\"),0)::bigint, COALESCE(SUM(\"Loaded\"),0)::bigint, " +
            "COALESCE(SUM(\"Bytes\"),0)::bigint, COALESCE(SUM(\"Quarantined\"),0)::bigint, string_agg(\"Outcome\", ',' ORDER BY \"StartedUtc\"), COUNT(*)::int FROM ledger_runs WHERE NOT \"DryRun\"", connection))
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync();
                if (await reader.ReadAsync() && !reader.IsDBNull(0))
                {
                    started = reader.GetDouble(0);
                    ended = reader.IsDBNull(1) ? null : reader.GetDouble(1);
                    (seen, loaded, bytes, quarantined) = (reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
                    outcome = reader.IsDBNull(6) ? "no run" : reader.GetString(6);
                    runs = reader.GetInt32(7);
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable)
            {
            }
        }

        // The last account done: the cluster's work rows (each account's Done stamps its heartbeat), else the run's end.
        double? lastDone = null;
        var perNode = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(\"Node\", '(none)'), COUNT(*)::int, EXTRACT(EPOCH FROM MAX(\"HeartbeatUtc\") FILTER (WHERE \"State\" = 'Done'))::float8 FROM ledger_run_work GROUP BY 1", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                perNode[reader.GetString(0)] = reader.GetInt32(1);
                if (!reader.IsDBNull(2))
                {
                    lastDone = Math.Max(lastDone ?? 0, reader.GetDouble(2));
                }
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable)
        {
        }

        if (perNode.Count == 0)
        {
            await using var command = new NpgsqlCommand("SELECT \"Node\", COUNT(*)::int FROM ledger_runs WHERE NOT \"DryRun\" GROUP BY 1", connection);
            try
            {
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    perNode[reader.GetString(0) + " (run)"] = reader.GetInt32(1);
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable)
            {
            }
        }

        var fire = run.FireAt.ToUnixTimeMilliseconds() / 1000.0;
        var end = lastDone ?? ended;
        var usage = job.Kind == "cess-documents" ? [DriveUsage(graph, job.GraphUsers)] : job.GraphUsers.Select(u => MailboxUsage.Of(graph, u)).ToList();
        var cpu = end is { } e2 && started is { } s2 ? run.Nodes.Sum(n => n.CpuBetween(Math.Min(fire, s2), e2)) : double.NaN;
        return new JobMeasure(job, started - fire, end - fire, lastDone is null ? "run end" : "last account done", runs, outcome, seen, loaded, bytes, quarantined, perNode,
            usage.Sum(u => u.Throttled), usage.Sum(u => u.Resent), usage.Sum(u => u.Admitted), cpu);
    }

    /// <summary>The drive endpoints' requests, 429s and bytes sent again, over the owners' drives (and "" for a library): one sum.</summary>
    private static MailboxUsage DriveUsage(GraphEmulator.GraphEmulator graph, IReadOnlyList<string> owners)
    {
        var operations = typeof(DriveOperations).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        var counters = owners.Append(string.Empty).SelectMany(u => operations.Select(o => graph.Stats.For(u, o))).ToList();
        var bytes = counters.Sum(c => c.BytesAdmitted);
        return new MailboxUsage(counters.Sum(c => c.Requests - c.Throttled), bytes, counters.Sum(c => c.Throttled), counters.Sum(c => c.BytesReceived) - bytes, 0, 0);
    }

    private static async Task<Reconciled> ReconcileAsync((string Path, string File, string[] Prefix, bool Release) dxmig, Setup setup, Job job)
    {
        var folder = Path.Combine(setup.Root, "reports", job.Name);
        var timed = await MailBench.RunTimedAsync(dxmig.File, [.. dxmig.Prefix, "reconcile", job.Path, "--out", folder], setup.Environment);
        var summaryPath = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "summary.json", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        string verdicts = "no report", totals = string.Empty;
        if (summaryPath is not null)
        {
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath));
            var v = summary.RootElement.GetProperty("verdicts");
            verdicts = string.Create(Invariant,
                $"{v.GetProperty("complete").GetInt32()} complete, {v.GetProperty("completeWithExceptions").GetInt32()} with exceptions, {v.GetProperty("incomplete").GetInt32()} incomplete");
            var t = summary.RootElement.GetProperty("totals");
            totals = string.Create(Invariant,
                $"{Long(t, "matched"):N0} matched, {Long(t, "missing"):N0} missing, {Long(t, "extra"):N0} extra, {Long(t, "doubled"):N0} doubled");
        }

        Console.WriteLine(string.Create(Invariant, $"reconcile {job.Name}: exit {timed.ExitCode}, {timed.Measured.Seconds:0.0} s — {verdicts}; {totals}"));
        if (timed.ExitCode != 0)
        {
            // What the report says a person should look at (its next steps), else the command's own last lines.
            var steps = summaryPath is null ? [] : NextSteps(await File.ReadAllTextAsync(summaryPath));
            foreach (var line in steps.Count > 0 ? steps : [.. (timed.Error + "\n" + timed.Output).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(4)])
            {
                Console.WriteLine("  " + line);
            }
        }

        return new Reconciled(job.Name, timed.ExitCode, timed.Measured.Seconds, timed.Measured.CpuSeconds, verdicts, totals);

        static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : 0;
    }

    private static List<string> NextSteps(string summary)
    {
        using var document = JsonDocument.Parse(summary);
        return document.RootElement.TryGetProperty("nextSteps", out var steps) && steps.ValueKind == JsonValueKind.Array
            ? [.. steps.EnumerateArray().Select(s => s.TryGetProperty("en", out var en) ? en.ToString() : s.ToString())]
            : [];
    }

    private static void Print(Setup setup, NodesRun run, List<JobMeasure> measured, List<Reconciled> reconciled, Dictionary<string, Plan?> plans, ThrottlingSettings budgets, double scale)
    {
        var wall = (run.Ended - run.FireAt).TotalSeconds;
        Console.WriteLine();
        Console.WriteLine(string.Create(Invariant,
            $"per job — wall = from the fire ({TimeZoneInfo.ConvertTime(run.FireAt, Tokyo):HH:mm:ss} Tokyo, the same for every job) to the job's last account done (its work row's Done stamp; the run's end where it has none); the jobs ran at once on the same two nodes, so each job's CPU is both nodes' CPU during its own interval, shared with the jobs beside it"));
        Console.WriteLine("| job | kind → target | runs, outcome | started s after fire | wall s | accounts per node | items seen | loaded | quarantined | MB | items/s | MB/s | nodes' CPU s in its interval | CPU s per GB | Graph requests | 429s | MB sent again | reconcile verdicts | reconcile s |");
        Console.WriteLine("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        foreach (var m in measured)
        {
            var r = reconciled.Single(x => x.Job == m.Job.Name);
            var w = m.Wall ?? double.NaN;
            Console.WriteLine(string.Create(Invariant,
                $"| {m.Job.Name} | {m.Job.Kind} → {m.Job.Target} | {m.Runs}, {m.Outcome} | {m.Started:0.0} | {w:0.0} | {string.Join(", ", m.PerNode.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))} | {m.Seen:N0} | {m.Loaded:N0} | {m.Quarantined:N0} | {m.Bytes / MiB:N1} | {m.Seen / w:N0} | {m.Bytes / MiB / w:0.00} | {m.Cpu:0.0} | {PerGb(m.Cpu, m.Bytes)} | {(m.Job.GraphUsers.Count > 0 ? m.GraphRequests.ToString("N0", Invariant) : "–")} | {(m.Job.GraphUsers.Count > 0 ? m.Throttled.ToString("N0", Invariant) : "–")} | {(m.Job.GraphUsers.Count > 0 ? (m.Resent / MiB).ToString("0.0", Invariant) : "–")} | {r.Verdicts}; {r.Totals} (exit {r.ExitCode}) | {r.Seconds:0.0} |"));
        }

        var nodesCpu = run.Nodes.Sum(n => n.CpuSeconds);
        var span = (run.Ended - run.NodesStarted).TotalSeconds;
        var totalBytes = measured.Sum(m => m.Bytes);
        var lastDone = measured.Max(m => m.Wall ?? 0);
        Console.WriteLine(string.Create(Invariant,
            $"| **total** | 6 jobs, 2 nodes | | | {lastDone:0.0} | | {measured.Sum(m => m.Seen):N0} | {measured.Sum(m => m.Loaded):N0} | {measured.Sum(m => m.Quarantined):N0} | {totalBytes / MiB:N1} | {measured.Sum(m => m.Seen) / lastDone:N0} | {totalBytes / MiB / lastDone:0.00} | {nodesCpu:0.0} | {PerGb(nodesCpu, totalBytes)} | {measured.Sum(m => m.GraphRequests):N0} | {measured.Sum(m => m.Throttled):N0} | {measured.Sum(m => m.Resent) / MiB:0.0} | {reconciled.Count(r => r.ExitCode == 0)} of {reconciled.Count} jobs complete | {reconciled.Sum(r => r.Seconds):0.0} |"));

        Console.WriteLine();
        Console.WriteLine(string.Create(Invariant, $"nodes (dxmig serve, one PostgreSQL scheduler store, clustered; sampled from /proc every 0.5 s, their start included, until the last job ended {wall:0} s after the fire):"));
        Console.WriteLine("| node | CPU s (user+sys) | peak RSS MB | exit after SIGTERM |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var node in run.Nodes)
        {
            Console.WriteLine(string.Create(Invariant, $"| {node.Name} | {node.CpuSeconds:0.0} | {node.PeakRssMb:0} | {node.ExitCode} |"));
        }

        Console.WriteLine(string.Create(Invariant,
            $"dxmig CPU s per GB in all: {PerGb(nodesCpu, totalBytes)} ({nodesCpu:0.0} CPU s of both nodes for {totalBytes / MiB / 1024:0.00} GB of every job's bytes); mail alone (its bytes against all the nodes' CPU): {PerGb(nodesCpu, measured.Where(m => m.Job.Kind == "mail").Sum(m => m.Bytes))}"));
        Console.WriteLine(string.Create(Invariant,
            $"how the {Environment.ProcessorCount} cores were shared, from the nodes' start ({(run.FireAt - run.NodesStarted).TotalSeconds:0} s before the fire) to the end ({span:0} s, {Environment.ProcessorCount * span:0} CPU s available): dxmig nodes {nodesCpu:0.0}, Graph emulator (this bench process) {run.EmulatorCpu:0.0}, Dovecot {run.DovecotCpu:0.0}, PostgreSQL {run.PostgresCpu:0.0}, everything else on the machine {run.MachineCpu - nodesCpu - run.EmulatorCpu - run.DovecotCpu - run.PostgresCpu:0.0}; busy {run.MachineCpu:0} CPU s"));
        Console.WriteLine($"load before: {run.LoadBefore}");
        Console.WriteLine($"load after:  {run.LoadAfter}");
        Console.WriteLine(string.Create(Invariant,
            $"Graph emulator: budgets scaled by {scale} in time ({GraphJob.Budgets(scale, budgets)}); 429s are each a Retry-After wait asked of dxmig"));

        Console.WriteLine();
        Console.WriteLine("plan against the rehearsal (dxmig plan JOB --json --nodes 2, before the fire; goal: within 15 % of the measured wall for every job)");
        if (plans.Values.All(p => p is null))
        {
            Console.WriteLine("plan: not available");
            return;
        }

        var (within, compared) = (0, 0);
        Console.WriteLine("| job | accounts | items | MB | rate (source) | plan windows | plan wall s | measured wall s | error | within 15 % |");
        Console.WriteLine("|---|---:|---:|---:|---|---:|---:|---:|---:|---|");
        foreach (var m in measured)
        {
            if (plans.GetValueOrDefault(m.Job.Name) is not { } p)
            {
                Console.WriteLine($"| {m.Job.Name} | plan: not available | | | | | | | | |");
                continue;
            }

            var error = (p.WallSeconds - (m.Wall ?? double.NaN)) / (m.Wall ?? double.NaN) * 100;
            Console.WriteLine(string.Create(Invariant,
                $"| {m.Job.Name} | {p.Accounts:N0} | {p.Items:N0} | {p.Bytes / MiB:N1} | {p.RateText} | {p.Windows} | {p.WallSeconds:0.0} | {m.Wall:0.0} | {error:+0;-0} % | {(Math.Abs(error) <= 15 ? "yes" : "NO")} |"));
            within += Math.Abs(error) <= 15 ? 1 : 0;
            compared++;
        }

        Console.WriteLine(string.Create(Invariant, $"plan within 15 % of the measurement: {within} of {compared} jobs with an estimate ({measured.Count - compared} without)"));
    }

    private static string PerGb(double cpu, long bytes) => bytes > 0 && !double.IsNaN(cpu) ? (cpu / (bytes / MiB / 1024)).ToString("0", Invariant) : "–";

    private static double DovecotCpu(DovecotServer server) =>
        ProcessTree.CpuSeconds(cmdline => cmdline.Contains(server.ConfigPath, StringComparison.Ordinal));

    private static double PostgresCpu(PostgresServer server) =>
        ProcessTree.CpuSeconds(cmdline => cmdline.Contains("/postgres ", StringComparison.Ordinal) && cmdline.Contains($"-p {server.Port} ", StringComparison.Ordinal));

    private static double OwnCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The sizes of a rehearsal: <c>real</c> is 1/50 of the prefecture, <c>small</c> a quick one for development.</summary>
    private sealed record RehearsalSize(
        string Profile, int Mailboxes, int MessagesPerMailbox, int Staff, int Schedules, int Reservations, int Documents, int DocumentOwners, int LargeDocuments, int Devices)
    {
        public static RehearsalSize For(string profile, double factor)
        {
            var messages = Math.Max(1, (int)Math.Round(FullMessagesPerMailbox * factor));
            return profile == "small"
                ? new RehearsalSize("small", 10, messages, 500, 10_000, 2_000, 200, 5, 1, 400)
                : new RehearsalSize("real", 150, messages, 7_500, 150_000, 30_000, 3_000, 30, 2, 400);
        }

        public override string ToString() => string.Create(Invariant,
            $"{Mailboxes} mailboxes × {MessagesPerMailbox} messages, {Staff:N0} staff, {Schedules:N0} schedules, {Reservations:N0} facility reservations, {Documents:N0} documents (+{LargeDocuments} of 4 MB) of {DocumentOwners} owners, {Devices:N0} mobile devices");
    }

    private sealed record Job(string Name, string Kind, string Target, string Path, string Ledger, IReadOnlyList<string> GraphUsers);

    private sealed record Setup(
        string Root, string JobsFolder, IReadOnlyList<Job> Jobs, Dictionary<string, string> Environment, string Scheduler, string Store, Window Window, int Parallelism, int Messages, long MailBytes);

    private sealed record NodesRun(
        DateTimeOffset FireAt, DateTimeOffset NodesStarted, DateTimeOffset Ended, IReadOnlyList<ServeNode> Nodes, string LoadBefore, string LoadAfter, double MachineCpu, double DovecotCpu, double PostgresCpu, double EmulatorCpu);

    private sealed record JobMeasure(
        Job Job, double? Started, double? Wall, string WallBasis, int Runs, string Outcome, long Seen, long Loaded, long Bytes, long Quarantined,
        Dictionary<string, int> PerNode, long Throttled, long Resent, long GraphRequests, double Cpu);

    private sealed record Reconciled(string Job, int ExitCode, double Seconds, double CpuSeconds, string Verdicts, string Totals);

    /// <summary>The fields of <c>dxmig plan --json</c> the comparison reads.</summary>
    private sealed record Plan(int Accounts, long Items, long Bytes, int Parallelism, int Windows, double WallSeconds, string RateSource, string RateText)
    {
        public static Plan? Parse(string output)
        {
            var start = output.IndexOf('{', StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            try
            {
                // The first JSON value of the output: anything plan writes after it is not read.
                var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output[start..]));
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                var rate = root.TryGetProperty("rate", out var r) ? r : default;
                var source = rate.ValueKind == JsonValueKind.Object && rate.TryGetProperty("source", out var s) ? s.ToString() : "?";
                var perSecond = rate.ValueKind == JsonValueKind.Object && rate.TryGetProperty("bytesPerSecond", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetDouble() : double.NaN;
                var items = rate.ValueKind == JsonValueKind.Object && rate.TryGetProperty("itemsPerSecond", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetDouble() : double.NaN;
                return new Plan(
                    Int(root, "accounts"), Long(root, "items"), Long(root, "bytes"), Int(root, "parallelism"), Int(root, "windows"),
                    root.TryGetProperty("wallSeconds", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : double.NaN,
                    source, string.Create(Invariant, $"{items:0.#} items/s, {perSecond / MiB:0.##} MB/s ({source})"));
            }
            catch (JsonException)
            {
                return null;
            }

            static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : 0;

            static int Int(JsonElement e, string name) => (int)Long(e, name);
        }
    }

    /// <summary>
    /// The run window: open from a minute ago for three hours (Tokyo), on the closed-day calendar. Today (and the
    /// next day, when the window crosses midnight) is declared a closed day in <c>mappings/closed-days.yaml</c> beside
    /// the jobs unless the rules already close it, as a prefecture declares a migration day (設定の閉庁日).
    /// </summary>
    private sealed class Window
    {
        private readonly DateTimeOffset opens;
        private readonly DateTimeOffset closes;
        private readonly List<(DateOnly Day, string Reason)> days = [];

        private Window(DateTimeOffset opens, DateTimeOffset closes)
        {
            this.opens = opens;
            this.closes = closes;
        }

        public static Window OpenNow(string jobs)
        {
            var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Tokyo);
            var opens = now.AddMinutes(-1);
            opens = opens.AddSeconds(-opens.Second);
            var window = new Window(opens, opens.AddHours(3));
            var declared = new StringBuilder("closed:\n");
            foreach (var day in new[] { DateOnly.FromDateTime(opens.DateTime), DateOnly.FromDateTime(window.closes.DateTime) }.Distinct())
            {
                if (ClosedDayCalendar.Standard.IsClosed(day, out var reason))
                {
                    window.days.Add((day, reason ?? "closed"));
                }
                else
                {
                    window.days.Add((day, "予行演習 (設定) / rehearsal (configured)"));
                    declared.Append(CultureInfo.InvariantCulture, $"  - {{ date: {day:yyyy-MM-dd}, reason: 予行演習 }}\n");
                }
            }

            Directory.CreateDirectory(Path.Combine(jobs, "mappings"));
            File.WriteAllText(Path.Combine(jobs, "mappings", "closed-days.yaml"), declared.ToString() == "closed:\n" ? "closed: []\n" : declared.ToString());
            return window;
        }

        public string Describe() => string.Create(Invariant,
            $"run window: {opens:HH:mm}-{closes:HH:mm} Tokyo, calendar closed-days; {string.Join(", ", days.Select(d => $"{d.Day:yyyy-MM-dd} {d.Reason}"))}");

        /// <summary>Adds (or replaces) the job's <c>schedule:</c>: the window, the calendar, and a one-time cron at <paramref name="fireAt"/> (none: next year, for the plan).</summary>
        public async Task WriteScheduleAsync(string job, DateTimeOffset? fireAt)
        {
            var text = await File.ReadAllTextAsync(job);
            var cut = text.IndexOf("\nschedule:", StringComparison.Ordinal);
            if (cut >= 0)
            {
                text = text[..(cut + 1)];
            }

            var fire = TimeZoneInfo.ConvertTime(fireAt ?? DateTimeOffset.UtcNow.AddYears(1), Tokyo);
            await File.WriteAllTextAsync(job, text.TrimEnd('\n') + "\n" + string.Create(Invariant,
                $"schedule:\n  cron: \"{fire.Second} {fire.Minute} {fire.Hour} {fire.Day} {fire.Month} ? {fire.Year}\"\n  calendar: closed-days\n  window: \"{opens:HH:mm}-{closes:HH:mm}\"\n  time-zone: Asia/Tokyo\n"));
        }
    }

    /// <summary>One <c>dxmig serve</c> node: its process, its output, and its CPU and peak RSS read from /proc.</summary>
    private sealed class ServeNode : IDisposable
    {
        private readonly StringBuilder output = new();
        private readonly List<(double At, double Cpu)> samples = [];
        private readonly Timer timer;

        private ServeNode(string name, Process process)
        {
            Name = name;
            Process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        }

        public string Name { get; }

        public Process Process { get; }

        public double CpuSeconds { get; private set; }

        public double PeakRssMb { get; private set; }

        public int? ExitCode { get; private set; }

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

        public static ServeNode Start(string name, (string Path, string File, string[] Prefix, bool Release) dxmig, Setup setup)
        {
            var info = new ProcessStartInfo(dxmig.File) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])[.. dxmig.Prefix, "serve", "--jobs", setup.JobsFolder, "--store", setup.Scheduler, "--node", name, "--checkin-interval", "00:00:02"])
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (key, value) in setup.Environment)
            {
                info.Environment[key] = value;
            }

            info.Environment["DXMIG_HOME"] = Path.Combine(setup.Root, "home-" + name);
            info.Environment["DXMIG_PLAIN"] = "1";
            return new ServeNode(name, Process.Start(info)!);
        }

        /// <summary>Both nodes' CPU between two instants (Unix seconds), interpolated between the samples.</summary>
        public double CpuBetween(double from, double to) => CpuAt(to) - CpuAt(from);

        public void Sample()
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Process.Id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var cpu = (long.Parse(fields[11], Invariant) + long.Parse(fields[12], Invariant)) / 100.0;
                var hwm = File.ReadLines($"/proc/{Process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                lock (samples)
                {
                    CpuSeconds = Math.Max(CpuSeconds, cpu);
                    samples.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, cpu));
                    if (hwm is not null)
                    {
                        PeakRssMb = Math.Max(PeakRssMb, double.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Invariant) / 1024);
                    }
                }
            }
            catch (IOException)
            {
                // The process has gone: the last sample stands.
            }
            catch (InvalidOperationException)
            {
            }
        }

        public async Task StopAsync()
        {
            await timer.DisposeAsync();
            if (!Process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", Process.Id.ToString(Invariant)]);
                await term.WaitForExitAsync();
                var exited = Process.WaitForExitAsync();
                if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(150))) != exited)
                {
                    Process.Kill(entireProcessTree: true);
                }
            }

            await Process.WaitForExitAsync();
            ExitCode = Process.ExitCode;
            Process.Dispose();
        }

        public void Dispose() => timer.Dispose();

        private double CpuAt(double at)
        {
            lock (samples)
            {
                if (samples.Count == 0)
                {
                    return 0;
                }

                var after = samples.FindIndex(s => s.At >= at);
                if (after < 0)
                {
                    return samples[^1].Cpu;
                }

                if (after == 0)
                {
                    return samples[0].Cpu;
                }

                var (a, b) = (samples[after - 1], samples[after]);
                return a.Cpu + ((b.Cpu - a.Cpu) * (at - a.At) / Math.Max(1e-9, b.At - a.At));
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}

// dxmig benchmarks (not tests). Each measured side runs in its own process so that peak RSS is its own.
//   addressbook ACCOUNTS ROWS   generate exports, then measure dxmig (first and no-change pass), SQLite's floor for the same rows and plain EF Core
//   mail MAILBOXES MESSAGES [real|small]   IMAP → IMAP: dxmig against mbsync on the same corpus
//   mail-churn MAILBOXES MESSAGES [real|small]   a night after cutover: dxmig's sync pass against mbsync's on the same churn
//   staff [ROWS]   CESS staff into the platform store: dxmig BulkCopy + upsert against EF Core AddRange + SaveChanges
//   schedules [ROWS]   CESS schedules into PostgreSQL: dxmig binary COPY + upsert against EF Core and psql's COPY (the floor), rows/s, ratio, peak RSS; then dxmig run of the job
//   schedules-job [ROWS] [BATCH]   only dxmig's loader, psql's floor and dxmig run of the schedules job (ledger included)
//   graph MAILBOXES MESSAGES [SCALE] [real|small]   IMAP → Graph emulator: dxmig against the ceiling Graph's budgets allow
//   console MAILBOXES MESSAGES [small|real]   the operator console's live view: a mail job in dxmig serve, nobody watching against 20 clients on /live
//   cluster MAILBOXES MESSAGES [SCALE] [PARALLELISM] [NODES] [real|small]   the same job on 1, 2, 3 dxmig nodes (processes) sharing one PostgreSQL ledger
//   mail-floor copy|state|sync SOURCE_PORT TARGET_PORT USER,USER,… [STATE_FILE]   the servers' floor (child of mail, mail-churn): copy = one read of every body and one MULTIAPPEND of them; sync = what a night's sync must ask
//   (mail, mail-churn and exo-imap pin the Dovecot servers to core 0 and the measured tool to core 1 unless DXMIG_BENCH_CORES=shared)
//   rehearsal [real|small] [FACTOR] [SCALE] [PARALLELISM] [RATES]   the whole migration at 1/50 scale on two dxmig serve nodes, against dxmig plan
using System.Diagnostics;
using System.Globalization;
using Dxmig.Bench;

var invariant = CultureInfo.InvariantCulture;
switch (args.FirstOrDefault())
{
    case "addressbook":
        return await AddressBookBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 200,
            args.Length > 2 ? int.Parse(args[2], invariant) : 500);
    case "mail":
        return await MailBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 10,
            args.Length > 2 ? int.Parse(args[2], invariant) : 2000,
            args.Length > 3 ? args[3] : "real");
    case "mail-churn":
        return await MailChurnBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 10,
            args.Length > 2 ? int.Parse(args[2], invariant) : 2000,
            args.Length > 3 ? args[3] : "real");
    case "graph":
        return await GraphBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 8,
            args.Length > 2 ? int.Parse(args[2], invariant) : 300,
            args.Length > 3 ? double.Parse(args[3], invariant) : 0.1,
            args.Length > 4 ? args[4] : "real");
    case "exo-imap":
        return await ExoImapBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 8,
            args.Length > 2 ? int.Parse(args[2], invariant) : 300,
            args.Length > 3 ? args[3] : "real");
    case "cluster":
        return await ClusterBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 24,
            args.Length > 2 ? int.Parse(args[2], invariant) : 200,
            args.Length > 3 ? double.Parse(args[3], invariant) : 0.1,
            args.Length > 4 ? int.Parse(args[4], invariant) : 8,
            [.. (args.Length > 5 ? args[5] : "1,2,3").Split(',').Select(n => int.Parse(n, invariant))],
            args.Length > 6 ? args[6] : "real");
    case "console":
        return await ConsoleBench.RunAsync(
            args.Length > 1 ? int.Parse(args[1], invariant) : 8,
            args.Length > 2 ? int.Parse(args[2], invariant) : 15000,
            args.Length > 3 ? args[3] : "small");
    case "console-watch":
        // The watching clients of the console benchmark, in their own process: console-watch URL COUNT.
        return await ConsoleWatch.RunAsync(new Uri(args[1]), int.Parse(args[2], invariant));
    case "console-snapshot":
        // The cost of one live-view snapshot alone: console-snapshot [ACCOUNTS=40] [REPEATS=20000].
        return ConsoleSnapshotCost.Run(args.Length > 1 ? int.Parse(args[1], invariant) : 40, args.Length > 2 ? int.Parse(args[2], invariant) : 20_000);
    case "staff":
        return await StaffBench.RunAsync(args.Length > 1 ? int.Parse(args[1], invariant) : 100_000);
    case "schedules":
        return await ScheduleBench.RunAsync(args.Length > 1 ? int.Parse(args[1], invariant) : 100_000);
    case "generate-schedules":
        // For profiling one side by hand: generate-schedules FILE ROWS, then measure-schedules dxmig FILE CONNECTION ROWS.
        Dxmig.Sandbox.Samples.CalendarSamples.WriteSchedules(args[1], new Dxmig.Sandbox.Samples.CalendarSampleOptions(int.Parse(args[2], invariant), 7_500));
        return 0;
    case "measure-schedules":
        return await ScheduleBench.MeasureAsync(args[1], args[2], args[3], int.Parse(args[4], invariant));
    case "serve":
        return await MailBench.ServeAsync(int.Parse(args[1], invariant), int.Parse(args[2], invariant), args[3]);
    case "measure-dxmig":
        return await AddressBookBench.MeasureDxmigAsync(args[1], args.Length > 2 ? args[2] : "run");
    case "measure-efcore":
        return await AddressBookBench.MeasureEfCoreAsync(args[1], args[2]);
    case "mail-floor":
        // The servers' floor, in its own process (started by the mail benches): mail-floor copy|state|sync SOURCE_PORT TARGET_PORT USER,USER,… [STATE_FILE]
        return await MailCopyFloor.RunAsync(args[1], int.Parse(args[2], invariant), int.Parse(args[3], invariant), args[4].Split(','), args.Length > 5 ? args[5] : null);
    case "rehearsal":
        return await RehearsalBench.RunAsync(
            args.Length > 1 ? args[1] : "real",
            args.Length > 2 ? double.Parse(args[2], invariant) : 0.2,
            args.Length > 3 ? double.Parse(args[3], invariant) : 0.1,
            args.Length > 4 ? int.Parse(args[4], invariant) : 8,
            args.Length > 5 && args[5].Length > 0 ? Path.GetFullPath(args[5]) : null);
    case "measure-sqlite-floor":
        // SQLite's floor for rows dxmig wrote: measure-sqlite-floor STORE_DB TABLE LEDGER_DB WORK_DIR (the addressbook and csv-sqlite modes run it).
        return await SqliteFloor.MeasureAsync(args[1], args[2], args[3], args[4]);
    case "run-schedules":
        // dxmig run of a schedules job written by ScheduleJobRun.WriteJob, in its own process: run-schedules JOB.
        return await ScheduleJobRun.RunAsync(args[1]);
    case "schedules-job":
        // Only the whole job and the floor, without the EF Core side: schedules-job [ROWS] [BATCH=10000].
        return await ScheduleBench.JobAsync(args.Length > 1 ? int.Parse(args[1], invariant) : 100_000, args.Length > 2 ? int.Parse(args[2], invariant) : 10_000);
    default:
        Console.Error.WriteLine("usage: Dxmig.Bench addressbook [ACCOUNTS] [ROWS] | mail [MAILBOXES] [MESSAGES] [real|small] | mail-churn [MAILBOXES] [MESSAGES] [real|small] | graph [MAILBOXES] [MESSAGES] [SCALE] [real|small] | exo-imap [MAILBOXES] [MESSAGES] [real|small] | console [MAILBOXES] [MESSAGES] [small|real] | cluster [MAILBOXES] [MESSAGES] [SCALE] [PARALLELISM] [NODES, e.g. 1,2,3] [real|small] | rehearsal [real|small] [FACTOR] [SCALE] [PARALLELISM] [RATES-FILE]");
        return 2;
}

namespace Dxmig.Bench
{
    internal static class Peak
    {
        /// <summary>Peak resident set size of this process, in MB (Linux VmHWM).</summary>
        public static double RssMb()
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }

        public static async Task<(double Seconds, double RssMb, string Output)> ChildAsync(params string[] args)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(typeof(Peak).Assembly.Location);
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var result = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"child failed ({process.ExitCode}): {output}\n{error}");
            var parts = result.Split(' ');
            return (double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture), output);
        }
    }
}

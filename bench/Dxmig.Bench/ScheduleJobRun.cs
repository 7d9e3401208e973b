using System.Diagnostics;
using System.Globalization;
using Dxmig.Cli;
using Dxmig.Cli.Console;
using Dxmig.Contracts.Text;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;

namespace Dxmig.Bench;

/// <summary>
/// dxmig's whole job, as a user runs it: <c>dxmig run</c> of a <c>kind: cess-schedules</c> job into the platform store on
/// the private PostgreSQL, the ledger in the same server (another database): extraction, transformation, the ledger's
/// intent and outcome rows, the load; the reconciliation after the run turned off (<c>options.reconcile: off</c>: it
/// reads the export and the table again and is timed apart by <c>dxmig reconcile</c>, not here).
/// </summary>
internal static class ScheduleJobRun
{
    /// <summary>Writes the job (and its identity map) for <paramref name="export"/>; returns the job file.</summary>
    public static string WriteJob(TempFolder temp, string export, string store, string ledger, int batchSize)
    {
        var identity = temp.File("identity.csv");
        File.WriteAllLines(identity, ["source,target", .. Enumerable.Range(0, 7_500).Select(i => $"{CalendarSamples.PersonId(i)},{CalendarSamples.Upn(i)}")]);
        var job = temp.File("schedules.yaml");
        File.WriteAllText(job, $"""
            name: bench-schedules
            kind: cess-schedules
            source:
              type: cess-schedules-csv
              file: {export}
              encoding: auto
            target:
              type: platform-calendar
              store: {store}
              delete-threshold: 500
              delete-threshold-percent: 20
            ledger:
              location: {ledger}
            mappings:
              fields: {Path.Combine(RepoPaths.Mappings, "cess-schedule-fields.yaml")}
              identity: {identity}
            options:
              batch-size: {batchSize.ToString(CultureInfo.InvariantCulture)}
              reconcile: off
            logging:
              folder: {temp.File("logs")}
            """);
        return job;
    }

    /// <summary>In its own process: runs the job; prints <c>RESULT seconds peakRssMb</c> (and dxmig's output when it failed).</summary>
    public static async Task<int> RunAsync(string job)
    {
        JapaneseEncodings.EnsureRegistered();
        var output = new StringWriter();
        var io = new CliIo(output, Console.Error, interactive: false, Environment.GetEnvironmentVariable, TimeProvider.System);
        using var self = Process.GetCurrentProcess();
        var clock = Stopwatch.StartNew();
        var code = await CliApp.RunAsync(["run", job], io, () => CancellationToken.None);
        clock.Stop();
        self.Refresh();
        if (code != 0)
        {
            Console.WriteLine(output);
            return code;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU {self.TotalProcessorTime.TotalSeconds:0.0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {clock.Elapsed.TotalSeconds:0.000} {Peak.RssMb():0.0}"));
        return 0;
    }
}

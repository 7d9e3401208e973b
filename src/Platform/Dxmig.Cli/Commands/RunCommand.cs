using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Cli.Kinds;
using Dxmig.Platform.Contracts;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig run JOB [--dry-run] [--accounts a,b]</c>: one run now. Exit 0: everything accounted, loaded or skipped;
/// 1: finished with quarantined items; 2: failed, stopped, or bad configuration.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var job = new Argument<string>("job") { Description = "ジョブファイル / job file" };
        var dryRun = new Option<bool>("--dry-run") { Description = "読んで比べるだけで何も書きません / read and compare, write nothing" };
        var accounts = new Option<string?>("--accounts") { Description = "このアカウントだけ (カンマ区切り) / only these accounts (comma-separated)" };
        var command = new Command("run", "ジョブを一回実行します / run a job once") { job, dryRun, accounts };
        command.SetAction((parse, _) => ExecuteAsync(
            io, parse.GetValue(job)!, parse.GetValue(dryRun), Split(parse.GetValue(accounts)), stopToken()));
        return command;
    }

    public static async Task<int> ExecuteAsync(CliIo io, string path, bool dryRun, IReadOnlyList<string> only, CancellationToken stopToken)
    {
        // While this thread reads the job file, the other core prepares what every run uses next (logging, SQLite,
        // the summary table): a run with nothing to do is mostly such first-time costs.
        var warmUp = Task.Run(async () =>
        {
            DxmigLogging.WarmUp();
            await StoreConnections.WarmUpSqliteAsync(CancellationToken.None);
            await RunSummaryPrinter.PrimeAsync(io.Interactive);
        }, CancellationToken.None);
        JobFile job;
        List<string> accounts;
        try
        {
            job = JobFileReader.ReadForRun(path, JobKinds.All, io.Environment);
            accounts = SelectAccounts(JobKinds.All[job.Kind].ListAccounts(job), only);
        }
        catch (ConfigurationException ex)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            io.Error.WriteLine("設定に誤りがあるため実行しませんでした / not run: the configuration has errors");
            return ExitCodes.Failed;
        }

        // Built on another core while the run opens its ledger; the first log line waits for it.
        using var logging = DxmigLogging.StartCreate(LogLevel.Warning, job.LogFolder);
        var kind = JobKinds.All[job.Kind];
        var request = new JobRunRequest(accounts, dryRun, io.Time);
        RunResult result;
        try
        {
            if (io.Interactive)
            {
                result = await io.Console.Progress()
                    .AutoClear(true)
                    .HideCompleted(true)
                    .Columns(
                        new TaskDescriptionColumn(),
                        new ProgressBarColumn(),
                        new PercentageColumn(),
                        new TransferSpeedColumn(),
                        new RemainingTimeColumn(),
                        new SpinnerColumn())
                    .StartAsync(ctx => kind.RunAsync(job, request, new LiveRunObserver(ctx, accounts.Count), logging.Loggers, stopToken));
            }
            else
            {
                result = await kind.RunAsync(job, request, new PlainRunObserver(io.Output, accounts.Count), logging.Loggers, stopToken);
            }
        }
        catch (Exception ex) when (ex is ConfigurationException or JobBusyException or StoreSchemaException)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }

        var quarantined = await ReadQuarantinedAsync(job, result, io);
        var logFile = Path.Combine(job.LogFolder, job.Name, $"{result.Run.RunId}.jsonl");
        try
        {
            await warmUp;
        }
#pragma warning disable CA1031 // The warm-up only prepares code; the run has done what it did, and its own errors were reported.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        RunSummaryPrinter.Print(io.Console, result, File.Exists(logFile) ? logFile : null, quarantined);
        return result.ExitCode;
    }

    internal static IReadOnlyList<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static List<string> SelectAccounts(IReadOnlyList<string> all, IReadOnlyList<string> only)
    {
        if (only.Count == 0)
        {
            return [.. all];
        }

        var unknown = only.Where(a => !all.Contains(a, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ConfigurationException(
                $"このジョブにないアカウント: {string.Join(", ", unknown)} / accounts not in this job: {string.Join(", ", unknown)}");
        }

        return [.. only.Distinct(StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<LedgerItem>> ReadQuarantinedAsync(JobFile job, RunResult result, CliIo io)
    {
        if (result.Run.Quarantined == 0 || result.Run.DryRun)
        {
            return [];
        }

        await using var ledger = await JobLedger.OpenAsync(
            StoreLocation.Parse(job.Ledger, job.Directory, job.LedgerPassword?.Resolve(job.Environment)), io.Time, CancellationToken.None);
        return await ledger.ItemsInStateAsync(job.Name, ItemState.Quarantined, 50, CancellationToken.None);
    }
}

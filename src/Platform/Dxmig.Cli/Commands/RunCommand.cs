using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Cli.Kinds;
using Dxmig.Contracts;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
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
        var ignoreWindow = new Option<bool>("--ignore-window")
        {
            Description = "ジョブの実行時間帯の外でも今すぐ実行します (運用者の判断で) / run now even outside the job's run window (an operator's decision)",
        };
        var confirmDeletes = new Option<string?>("--confirm-deletes")
        {
            Description = "しきい値で止めた実行 RUNID の削除予定一覧を確認済みとして削除します / confirm the pending deletions a run (RUNID) held back at the threshold, and delete them",
        };
        var command = new Command("run", "ジョブを一回実行します / run a job once") { job, dryRun, accounts, ignoreWindow, confirmDeletes };
        command.SetAction((parse, _) => ExecuteAsync(
            io, parse.GetValue(job)!, parse.GetValue(dryRun), Split(parse.GetValue(accounts)), stopToken(), parse.GetValue(ignoreWindow), parse.GetValue(confirmDeletes)));
        return command;
    }

    /// <summary>
    /// Runs the job once. A job with a run window (<c>schedule.window</c> / <c>schedule.calendar</c>) does not start
    /// outside it (exit 3, with when it next opens) unless <paramref name="ignoreWindow"/>; at the window's end a running
    /// job finishes the batch in hand, records it and its checkpoints, and stops (exit 3); the next run resumes.
    /// </summary>
    public static async Task<int> ExecuteAsync(CliIo io, string path, bool dryRun, IReadOnlyList<string> only, CancellationToken stopToken, bool ignoreWindow = false, string? confirmDeletes = null)
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

        // The closed-day calendar (public holidays by rule, 年末年始, weekends, and mappings/closed-days.yaml).
        if (CalendarCommand.LoadCalendar(io, configPath: null) is not { } calendar)
        {
            io.Error.WriteLine("閉庁日の設定に誤りがあるため実行しませんでした / not run: the closed-days file has errors");
            return ExitCodes.Failed;
        }

        var window = new RunWindow(job.Schedule, calendar.Calendar);
        var now = io.Time.GetUtcNow();
        if (!ignoreWindow && !window.IsOpen(now))
        {
            var next = window.NextOpen(now);
            io.Output.WriteLine(
                $"実行時間帯の外のため実行しません。次に開くのは {Local(next, job)} / not run: outside the job's run window; it next opens {Local(next, job)} "
                + "(--ignore-window で今すぐ実行 / --ignore-window runs it now)");
            return ExitCodes.WindowClosed;
        }

        // The window's end stops the run like a stop signal: the batch in hand is finished and recorded.
        using var windowEnd = !ignoreWindow && window.ClosesAt(now) is { } closes && closes != DateTimeOffset.MaxValue
            ? new CancellationTokenSource(closes - now, io.Time)
            : new CancellationTokenSource();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, windowEnd.Token);
        var runStop = stop.Token;
        // Built on another core while the run opens its ledger; the first log line waits for it.
        using var logging = DxmigLogging.StartCreate(LogLevel.Warning, job.LogFolder);
        var kind = JobKinds.All[job.Kind];
        var request = new JobRunRequest(accounts, dryRun, io.Time) { ConfirmDeletes = confirmDeletes };
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
                    .StartAsync(ctx => kind.RunAsync(job, request, new LiveRunObserver(ctx, accounts.Count), logging.Loggers, runStop));
            }
            else
            {
                result = await kind.RunAsync(job, request, new PlainRunObserver(io.Output, accounts.Count), logging.Loggers, runStop);
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
if (windowEnd.IsCancellationRequested && !stopToken.IsCancellationRequested && result.Run.Outcome == RunOutcome.Stopped)
        {
            var next = window.NextOpen(io.Time.GetUtcNow());
            io.Output.WriteLine(
                $"実行時間帯の終わりで停止しました (処理中のバッチは記録済み)。次の時間帯 {Local(next, job)} に続きから再開します / "
                + $"stopped at the end of the run window (the batch in hand is recorded); the next window ({Local(next, job)}) resumes it");
            return ExitCodes.WindowClosed;
        }

        var exitCode = result.ExitCode;
        string? reportPath = null;
        var incomplete = false;
        if (job.ReconcileAfterRun && kind is Platform.Reconciliation.IReconcilableJobKind && !dryRun && !stopToken.IsCancellationRequested && result.Run.Outcome != RunOutcome.Stopped)
        {
            // options.reconcile: after-run — the run's exit code is the worse of the run's and the reconciliation's.
            var reconciled = await ReconcileCommand.ExecuteAsync(io, job, accounts, deep: false, output: null, result.Run.RunId, logging.Loggers, stopToken);
            reportPath = Path.Combine(job.LogFolder, job.Name, "reports", result.Run.RunId);
            incomplete = reconciled == ExitCodes.Failed;
            exitCode = Math.Max(exitCode, reconciled);
        }

        await AlertAsync(io, job, result, File.Exists(logFile) ? logFile : null, reportPath, incomplete, logging.Loggers);
        return exitCode;
    }

    /// <summary>Mails the admins named in the job's <c>alerts:</c> when the run calls for it (never fails the run).</summary>
    internal static async Task AlertAsync(CliIo io, JobFile job, RunResult result, string? logFile, string? reportPath, bool incomplete, ILoggerFactory loggers)
    {
        if (job.Alerts is not { } settings || result.Run.DryRun)
        {
            return;
        }

        var mailer = new Platform.Alerts.AlertMailer(settings, job.Environment, loggers.CreateLogger("dxmig.alerts"));
        if (!mailer.ShouldSend(result, incomplete))
        {
            return;
        }

        var sent = await mailer.SendAsync(mailer.Compose(job.Name, result, logFile, reportPath), CancellationToken.None);
        io.Output.WriteLine(sent
            ? $"管理者に通知メールを送りました / alert mailed to the admins: {string.Join(", ", settings.To)}"
            : "管理者への通知メールを送れませんでした (ログを参照) / the alert mail could not be sent (see the log)");
    }

    private static string Local(DateTimeOffset? time, JobFile job) => time is { } t
        ? TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById(job.Schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone)).ToString("yyyy-MM-dd HH:mm (zzz)", System.Globalization.CultureInfo.InvariantCulture)
        : "(1 年以内にありません / none within a year)";

    internal static IReadOnlyList<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    internal static List<string> SelectAccounts(IReadOnlyList<string> all, IReadOnlyList<string> only)
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

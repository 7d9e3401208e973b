using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Platform.Alerts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs;

/// <summary>What one run was asked to do (<c>dxmig run</c>, a scheduler fire, the demo).</summary>
/// <param name="Path">The job file.</param>
/// <param name="DryRun">Read and compare, write nothing.</param>
/// <param name="Accounts">Only these accounts (all when empty).</param>
public sealed record JobRunOptions(string Path, bool DryRun = false, IReadOnlyList<string>? Accounts = null)
{
    /// <summary>Run now even outside the job's run window (an operator's decision).</summary>
    public bool IgnoreWindow { get; init; }

    /// <summary>The run whose held-back deletions a person confirms (<c>--confirm-deletes RUNID</c>).</summary>
    public string? ConfirmDeletes { get; init; }

    /// <summary>
    /// Only join the job's open cluster run (PostgreSQL ledger), never start one: what a <c>dxmig serve</c> node does when
    /// it sees a run of a job it knows waiting for hands.
    /// </summary>
    public bool JoinOnly { get; init; }
}

/// <summary>
/// Runs a job once, the same way for <c>dxmig run</c>, <c>dxmig serve</c> and the demo: reads and binds the job file,
/// keeps to its run window on the closed-day calendar (a job does not start outside it; at the window's end the batch in
/// hand is finished and recorded and the run stops), runs the kind's pipeline under the ledger's lease, prints the
/// summary, reconciles after the run (<c>options.reconcile: after-run</c>) and mails the admins when the job says so.
/// Returns the exit code (<see cref="ExitCodes"/>; 3 when the window is closed).
/// </summary>
public sealed class JobRunner(Func<string, string?> environment, TimeProvider time)
{
    /// <summary>The environment variable naming this process's node in a cluster run (<c>dxmig serve --node</c> sets it for its runs).</summary>
    public const string NodeVariable = "DXMIG_NODE";

    /// <summary>This process's node name: <see cref="NodeVariable"/>, else the host name.</summary>
    public string Node => environment(NodeVariable) is { Length: > 0 } node ? node : Environment.MachineName;

    /// <exception cref="JobBusyException">Another live process holds the job's ledger lease.</exception>
    public async Task<int> RunAsync(JobRunOptions options, IJobConsole console, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);

        // While this thread reads the job file, the other core prepares what every run uses next (logging, SQLite,
        // the summary's display): a run with nothing to do is mostly such first-time costs.
        var warmUp = Task.Run(async () =>
        {
            DxmigLogging.WarmUp();
            await StoreConnections.WarmUpSqliteAsync(CancellationToken.None);
            await console.PrimeAsync();
        }, CancellationToken.None);
        IBoundJob job;
        List<string> accounts;
        try
        {
            job = JobLoader.LoadForRun(options.Path, environment);
            accounts = SelectAccounts(job.ListAccounts(), options.Accounts ?? []);
        }
        catch (ConfigurationException ex)
        {
            console.Problem(SecretMasker.Apply(ex.Message));
            console.Problem("設定に誤りがあるため実行しませんでした / not run: the configuration has errors");
            return ExitCodes.Failed;
        }

        var file = job.File;
        var calendarDiagnostics = new DiagnosticBag();
        var calendar = ClosedDaysFile.Load(configPath: null, environment, calendarDiagnostics, file.Directory);
        if (calendarDiagnostics.Items.Count > 0)
        {
            console.Problem(calendarDiagnostics.Render());
        }

        if (calendar is null)
        {
            console.Problem("閉庁日の設定に誤りがあるため実行しませんでした / not run: the closed-days file has errors");
            return ExitCodes.Failed;
        }

        var window = new RunWindow(file.Schedule, calendar.Value.Calendar);
        var now = time.GetUtcNow();
        if (!options.IgnoreWindow && !window.IsOpen(now))
        {
            var next = window.NextOpen(now);
            console.Line(
                $"実行時間帯の外のため実行しません。次に開くのは {Local(next, file)} / not run: outside the job's run window; it next opens {Local(next, file)} "
                + "(--ignore-window で今すぐ実行 / --ignore-window runs it now)");
            return ExitCodes.WindowClosed;
        }

        // The window's end stops the run like a stop signal: the batch in hand is finished and recorded.
        using var windowEnd = !options.IgnoreWindow && window.ClosesAt(now) is { } closes && closes != DateTimeOffset.MaxValue
            ? new CancellationTokenSource(closes - now, time)
            : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, windowEnd.Token);

        // Built on another core while the run opens its ledger; the first log line waits for it.
        using var logging = DxmigLogging.StartCreate(LogLevel.Warning, file.LogFolder);
        // Held-back deletions confirmed in the console count as --confirm-deletes of that run until a run carries them out.
        var jobLogs = Path.Combine(file.LogFolder, file.Name);
        var confirmDeletes = options.ConfirmDeletes ?? Console.HeldBackDeletions.ConfirmedRunId(jobLogs);
        if (options.ConfirmDeletes is null && confirmDeletes is not null)
        {
            console.Line($"確定済みの削除保留一覧 (実行 {confirmDeletes}) を適用します / applying the confirmed held-back deletions of run {confirmDeletes}");
        }

        var request = new JobRunRequest(accounts, options.DryRun, time) { ConfirmDeletes = confirmDeletes, Node = Node, JoinOnly = options.JoinOnly };
        RunResult result;
        try
        {
            result = await console.ShowProgressAsync(accounts.Count, observer => job.RunAsync(request, observer, logging.Loggers, stop.Token));
        }
        catch (Exception ex) when (ex is ConfigurationException or JobBusyException or StoreSchemaException)
        {
            console.Problem(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }
        catch (NoRunToJoinException ex)
        {
            console.Line(ex.Message);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (!stop.IsCancellationRequested && EndpointFailure.Classify(ex) is { } fault)
        {
            // A database or server the run opens before any account (the platform store, a PostgreSQL ledger) cannot be
            // reached: one plain line, exit 2, nothing read or written.
            console.Problem(SecretMasker.Apply(EndpointFailure.Describe(null, fault)));
            return ExitCodes.Failed;
        }

        Console.HeldBackDeletions.MarkAppliedAfterRun(jobLogs, confirmDeletes, result, options.DryRun);
        if (!result.CompletedHere)
        {
            // A cluster run this node took part in and another node completes (or goes on with): that node reconciles
            // and mails; this one says what it did.
            if (result.Outage is { } down)
            {
                console.Problem(down.Message);
            }

            console.Line(ClusterPart(result));
            return result.Run.Outcome == RunOutcome.Running ? (stop.IsCancellationRequested ? ExitCodes.Failed : ExitCodes.Success) : result.ExitCode;
        }

        var quarantined = await ReadQuarantinedAsync(file, result);
        var logFile = Path.Combine(file.LogFolder, file.Name, $"{result.Run.RunId}.jsonl");
        try
        {
            await warmUp;
        }
#pragma warning disable CA1031 // The warm-up only prepares code; the run has done what it did, and its own errors were reported.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        console.RunSummary(result, File.Exists(logFile) ? logFile : null, quarantined);
        if (windowEnd.IsCancellationRequested && !stopToken.IsCancellationRequested && result.Run.Outcome == RunOutcome.Stopped)
        {
            var next = window.NextOpen(time.GetUtcNow());
            console.Line(
                $"実行時間帯の終わりで停止しました (処理中のバッチは記録済み)。次の時間帯 {Local(next, file)} に続きから再開します / "
                + $"stopped at the end of the run window (the batch in hand is recorded); the next window ({Local(next, file)}) resumes it");
            return ExitCodes.WindowClosed;
        }

        var exitCode = result.ExitCode;
        string? reportPath = null;
        var incomplete = false;
        if (result.Outage is { } outage && file.ReconcileAfterRun && job.CanReconcile && !options.DryRun)
        {
            // Nothing to compare with a server that cannot be reached: no report that would say "incomplete" for every account.
            console.Line(outage.Side == EndpointSide.Source
                ? "実行後の照合は行いませんでした (移行元に接続できないため) / the after-run reconciliation was skipped: the source cannot be reached"
                : "実行後の照合は行いませんでした (移行先に接続できないため) / the after-run reconciliation was skipped: the target cannot be reached");
        }
        else if (file.ReconcileAfterRun && job.CanReconcile && !options.DryRun && !stopToken.IsCancellationRequested && result.Run.Outcome != RunOutcome.Stopped)
        {
            // options.reconcile: after-run — the run's exit code is the worse of the run's and the reconciliation's.
            var reconciled = await new ReconcileService(time).ReconcileAsync(
                job, new ReconcileOptions(accounts, Deep: false, Output: null, result.Run.RunId), logging.Loggers, console, stopToken);
            reportPath = Path.Combine(file.LogFolder, file.Name, "reports", result.Run.RunId);
            incomplete = reconciled.ExitCode == ExitCodes.Failed;
            exitCode = Math.Max(exitCode, reconciled.ExitCode);
        }

        await AlertAsync(console, file, result, File.Exists(logFile) ? logFile : null, reportPath, incomplete, logging.Loggers);
        if (!options.DryRun)
        {
            await EnforceRetentionAsync(console, file, logging.Loggers.CreateLogger("dxmig.retention"), stopToken);
        }

        return exitCode;
    }

    /// <summary>
    /// Keeps the job's runs, logs and reports within its <c>retention:</c> after every run that completed here (each node
    /// keeps its own log folder; <c>dxmig serve</c> also does it daily). A failure here never changes the run's outcome:
    /// it is reported and the next run tries again.
    /// </summary>
    private async Task EnforceRetentionAsync(IJobConsole console, JobFile file, ILogger logger, CancellationToken stopToken)
    {
        try
        {
            var outcome = await new Retention.RetentionService(time).EnforceAsync(file, stopToken);
            if (outcome.Ledger.Runs + outcome.Ledger.RemovedItems + outcome.Files + outcome.Reports > 0)
            {
                console.Line(outcome.Describe());
                logger.LogInformation("{Retention}", outcome.Describe());
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            var message = SecretMasker.Apply(ex.Message);
            console.Problem($"保存期間の整理ができませんでした (次の実行で再試行します): {message} / retention could not be enforced (the next run tries again): {message}");
            logger.LogWarning(ex, "保存期間の整理ができませんでした / retention could not be enforced");
        }
    }

    /// <summary>One line for a node's part in a cluster run another node completes.</summary>
    public static string ClusterPart(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var done = result.Accounts.Count(a => a.Outcome is not RunOutcome.Stopped);
        var handed = result.Accounts.Count(a => a.Outcome is RunOutcome.Stopped);
        var running = result.Run.Outcome == RunOutcome.Running;
        return $"クラスター実行 {result.Run.RunId}: このノードは {done} アカウントを処理し、{handed} アカウントを他のノードに渡しました。" +
               (running ? "他のノードが続けています" : $"実行は「{RunOutcomeWords.Words(result.Run.Outcome).Japanese}」で終了しました (集計・照合・通知は完了させたノードが行います)") +
               $" / cluster run {result.Run.RunId}: this node ran {done} account(s) and handed {handed} back to the others; " +
               (running ? "the other nodes go on with it" : $"the run ended \"{RunOutcomeWords.Words(result.Run.Outcome).English}\" (the node that completed it reconciles and mails)");
    }

    /// <summary>The accounts to run: all of the job's, or the ones asked for (each must be the job's).</summary>
    /// <exception cref="ConfigurationException">An account asked for is not the job's.</exception>
    public static List<string> SelectAccounts(IReadOnlyList<string> all, IReadOnlyList<string> only)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(only);
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

    /// <summary>Mails the admins named in the job's <c>alerts:</c> when the run calls for it (never fails the run).</summary>
    private async Task AlertAsync(IJobConsole console, JobFile job, RunResult result, string? logFile, string? reportPath, bool incomplete, ILoggerFactory loggers)
    {
        if (job.Alerts is not { } settings || result.Run.DryRun)
        {
            return;
        }

        var mailer = new AlertMailer(settings, environment, loggers.CreateLogger("dxmig.alerts"));
        if (!mailer.ShouldSend(result, incomplete))
        {
            return;
        }

        var sent = await mailer.SendAsync(mailer.Compose(job.Name, result, logFile, reportPath), CancellationToken.None);
        console.Line(sent
            ? $"管理者に通知メールを送りました / alert mailed to the admins: {string.Join(", ", settings.To)}"
            : "管理者への通知メールを送れませんでした (ログを参照) / the alert mail could not be sent (see the log)");
    }

    private static string Local(DateTimeOffset? instant, JobFile job) => instant is { } t
        ? TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById(job.Schedule?.TimeZone ?? ScheduleSpec.DefaultTimeZone)).ToString("yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture)
        : "(1 年以内にありません / none within a year)";

    private async Task<IReadOnlyList<LedgerItem>> ReadQuarantinedAsync(JobFile job, RunResult result)
    {
        if (result.Run.Quarantined == 0 || result.Run.DryRun)
        {
            return [];
        }

        await using var ledger = await JobLedger.OpenAsync(job.LedgerLocation(), time, CancellationToken.None);
        return await ledger.ItemsInStateAsync(job.Name, ItemState.Quarantined, 50, CancellationToken.None);
    }
}

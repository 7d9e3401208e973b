using System.Globalization;
using System.Text.Json.Nodes;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs;

/// <summary>What a reconciliation was asked to do.</summary>
/// <param name="Accounts">Source accounts to reconcile.</param>
/// <param name="Deep">Also hash every body or row on both sides (slow).</param>
/// <param name="Output">The report folder; null: under the job's log folder.</param>
/// <param name="RunId">The run it follows (after a run); null: on demand (the latest run's timeline is shown).</param>
public sealed record ReconcileOptions(IReadOnlyList<string> Accounts, bool Deep, string? Output, string? RunId);

/// <summary>How a reconciliation ended: its exit code, its report, and the verdict of every account.</summary>
public sealed record ReconcileOutcome(
    int ExitCode, string SourceDescription, string TargetDescription, string Folder, JsonObject Summary,
    IReadOnlyList<AccountReconciliation> Accounts, IReadOnlyList<ReportConflict> Conflicts)
{
    /// <summary>The report's HTML page.</summary>
    public string HtmlReport => Path.Combine(Folder, ReportWriter.HtmlFile);
}

/// <summary>
/// Re-reads a job's source and target independently, compares them per account and container with the ledger beside
/// them, and writes the report folder (index.html, CSV lists, summary.json). Exit 0: every account complete; 1: the rest
/// complete with documented exceptions only, or conflicts an admin must see; 2: an account incomplete, or the
/// reconciliation could not run. <see cref="JobRunner"/> calls it after every run; <c>dxmig reconcile</c> on demand.
/// </summary>
public sealed class ReconcileService(TimeProvider time)
{
    public async Task<ReconcileOutcome> ReconcileAsync(IBoundJob job, ReconcileOptions options, ILoggerFactory loggers, IJobConsole console, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(console);
        var file = job.File;
        if (!job.CanReconcile)
        {
            console.Problem($"ジョブの種類 {file.Kind} は照合できません / jobs of kind {file.Kind} cannot be reconciled");
            return Failed(file.Kind);
        }

        var started = time.GetUtcNow();
        try
        {
            await using var ledger = await JobLedger.OpenAsync(file.LedgerLocation(), time, stopToken);
            var runId = options.RunId;
            var afterRun = runId is not null;
            if (runId is null && await ledger.RecentRunsAsync(file.Name, 1, stopToken) is [var latest, ..])
            {
                runId = latest.RunId;
            }

            // After a run: reports/{runId}; on demand: reports/reconcile-{time}.
            var folder = options.Output ?? Path.Combine(file.LogFolder, file.Name, "reports",
                afterRun ? runId! : "reconcile-" + started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

            await using var reconciler = await job.CreateReconcilerAsync(new ReconcileRequest(options.Accounts, options.Deep, time), loggers, stopToken);
            using var sink = new ReportSink(folder);
            var source = SecretMasker.Apply(reconciler.SourceDescription);
            var target = SecretMasker.Apply(reconciler.TargetDescription);
            console.Line($"照合中 / reconciling {options.Accounts.Count} アカウント / accounts: {source} ⇔ {target}");
            await new ReconciliationRunner(reconciler, ledger, file.Name, loggers.CreateLogger("dxmig.reconcile"))
                .RunAsync(options.Accounts, file.Parallelism, sink, stopToken);
            var timeline = runId is null ? [] : await ledger.LoadedTimelineAsync(file.Name, runId, stopToken);
            var logs = Path.Combine(file.LogFolder, file.Name);
            var runLog = runId is null ? null : Path.Combine(logs, runId + ".jsonl");
            var pending = runId is null ? null : Common.PendingDeletions.PendingPath(logs, runId);
            var header = new ReportHeader
            {
                Job = file.Name,
                Kind = file.Kind,
                RunId = runId,
                Started = started,
                Ended = time.GetUtcNow(),
                Deep = options.Deep,
                Source = source,
                Target = target,
                Compared = reconciler.Compared,
                Requests = reconciler.Requests,
                Timeline = timeline,
                JobFile = file.FilePath,
                LogFile = runLog is not null && File.Exists(runLog) ? runLog : logs,
                PendingDeletionsFile = afterRun && pending is not null && File.Exists(pending) ? pending : null,
                Conflicts = reconciler is IConflictReconciler withConflicts ? await withConflicts.ConflictsAsync(stopToken) : [],
            };
            var summary = await ReportWriter.WriteAsync(sink, header, stopToken);

            // Conflicts an admin must see make an otherwise complete reconciliation "needs attention" (1).
            var exitCode = header.Conflicts.Count > 0 && sink.ExitCode == ExitCodes.Success ? ExitCodes.Quarantined : sink.ExitCode;
            var outcome = new ReconcileOutcome(exitCode, source, target, folder, summary, [.. sink.Accounts], header.Conflicts);
            console.Reconciled(outcome);
            return outcome;
        }
        catch (EndpointOutageException ex)
        {
            // A server that cannot be reached: one line, and no report of accounts that were never read.
            console.Problem($"照合できませんでした / reconciliation failed: {SecretMasker.Apply(ex.Message)}");
            return Failed(file.Kind);
        }
        catch (Exception ex) when (!stopToken.IsCancellationRequested && EndpointFailure.Classify(ex) is { } fault)
        {
            console.Problem($"照合できませんでした / reconciliation failed: {SecretMasker.Apply(EndpointFailure.Describe(null, fault))}");
            return Failed(file.Kind);
        }
        catch (Exception ex) when (ex is ConfigurationException or StoreSchemaException or IOException or UnauthorizedAccessException)
        {
            console.Problem($"照合できませんでした / reconciliation failed: {SecretMasker.Apply(ex.Message)}");
            return Failed(file.Kind);
        }
    }

    private static ReconcileOutcome Failed(string kind) => new(ExitCodes.Failed, kind, kind, string.Empty, [], [], []);
}

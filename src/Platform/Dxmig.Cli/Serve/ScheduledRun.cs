using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Serve;

/// <summary>How one fire of a scheduled job ended.</summary>
internal enum FireOutcome
{
    /// <summary>The run took place; its exit code is in <see cref="FireResult.ExitCode"/>.</summary>
    Ran,

    /// <summary>The window was closed at the moment the fire would have started the run.</summary>
    OutsideWindow,

    /// <summary>Another live process (this node or another) holds the job's ledger lease.</summary>
    Busy,

    /// <summary>The job file could not be read now; nothing ran.</summary>
    BadJobFile,
}

internal sealed record FireResult(FireOutcome Outcome, int? ExitCode, string? Reason);

/// <summary>
/// What a Quartz fire does: re-reads the job file, checks its run window at the moment of starting (so a late fire
/// — a misfire handled, a recovery after a node died — starts only while the window is still open), and runs the job
/// through the same code as <c>dxmig run</c>. A closed window or a busy lease is logged with its reason, not an error.
/// </summary>
internal sealed class ScheduledRun(ServeSettings settings, ClusterParticipation participation, ILogger<ScheduledRun> logger)
{
    public async Task<FireResult> FireAsync(string jobPath, bool recovering, CancellationToken stopToken, bool ignoreWindow = false)
    {
        var diagnostics = new DiagnosticBag();
        var job = JobLoader.Load(jobPath, diagnostics, settings.Environment)?.File;
        if (job is null || diagnostics.HasErrors)
        {
            logger.LogError("ジョブファイルを読めないため実行しません / not run: the job file has errors: {Path}\n{Diagnostics}", jobPath, diagnostics.Render());
            return new FireResult(FireOutcome.BadJobFile, null, diagnostics.Render());
        }

        var now = settings.Time.GetUtcNow();
        var gate = new ScheduleGate(job.Schedule ?? new ScheduleSpec(null, "every-day", null, null, ScheduleSpec.DefaultTimeZone), settings.ClosedDays);
        var decision = gate.Check(now);
        if (!decision.Open && !ignoreWindow)
        {
            logger.LogInformation(
                "{Job}: 実行時間帯の外のため開始しません / not started: {Reason}; 次に開く時刻 / the window next opens {NextOpen}",
                job.Name, decision.Reason, decision.NextOpen is { } next
                    ? TimeZoneInfo.ConvertTime(next, gate.Zone).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture)
                    : "-");
            return new FireResult(FireOutcome.OutsideWindow, null, decision.Reason);
        }

        logger.LogInformation("{Job}: 実行を開始します / starting{Recovering}", job.Name,
            recovering ? " (recovery)" : ignoreWindow && !decision.Open ? " (時間帯の外: オペレーターの指示 / outside the window: an operator's request)" : string.Empty);
        try
        {
            // A recovered fire (its node died) only joins the run that fire started: the other nodes may have finished it.
            var code = await participation.RunAsync(jobPath, joinOnly: recovering, stopToken, ignoreWindow && !recovering);
            logger.LogInformation("{Job}: 終了コード / ended with exit code {ExitCode}", job.Name, code);
            return new FireResult(FireOutcome.Ran, code, null);
        }
        catch (JobBusyException ex)
        {
            logger.LogWarning("{Job}: 他のプロセスが実行中のため開始しません / not started: {Reason}", job.Name, ex.Message);
            return new FireResult(FireOutcome.Busy, null, ex.Message);
        }
    }
}

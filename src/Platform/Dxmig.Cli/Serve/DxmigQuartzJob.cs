using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The Quartz job behind every scheduled job file: thin, it hands the fire to <see cref="ScheduledRun"/> with the
/// Quartz job's cancellation token (a scheduler shutdown stops the run after the batch in hand). One run of a job at a
/// time per cluster (<see cref="DisallowConcurrentExecutionAttribute"/>, and the ledger's lease behind it); stored with
/// RequestsRecovery, so a run whose node died is fired again on another node.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class DxmigQuartzJob(ScheduledRun run) : IJob
{
    /// <summary>Job data key holding the job file's full path.</summary>
    public const string PathKey = "path";

    public const string Group = "dxmig";

    /// <summary>Trigger data key: "true" when an operator asked for this fire outside the job's window (the console).</summary>
    public const string IgnoreWindowKey = "ignore-window";

    /// <summary>Trigger data key: who asked for a fire from the console (for the log).</summary>
    public const string RequestedByKey = "requested-by";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.MergedJobDataMap.GetString(PathKey)
            ?? throw new JobExecutionException($"job {context.JobDetail.Key} has no '{PathKey}' in its data");
        var ignoreWindow = string.Equals(context.MergedJobDataMap.GetString(IgnoreWindowKey), "true", StringComparison.Ordinal);
        var result = await run.FireAsync(path, context.Recovering, cancellationToken, ignoreWindow);
        context.Result = result.Outcome.ToString();
    }
}

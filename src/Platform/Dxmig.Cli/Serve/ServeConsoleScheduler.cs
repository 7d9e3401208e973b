using Dxmig.Cli.Commands;
using Dxmig.Cli.Console;
using Dxmig.Jobs;
using Dxmig.Jobs.Common;
using Dxmig.Platform.Pipeline;
using Dxmig.Web;
using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The console's requests to the scheduler host: "run now" fires the job's Quartz job at once (in a cluster any free
/// node takes the fire; a job without a schedule gets a durable manual entry), marked when an operator confirmed
/// running outside the window; "plan" runs <c>dxmig plan</c> and returns what it prints.
/// </summary>
internal sealed class ServeConsoleScheduler(IScheduler scheduler, ServeSettings settings, ClusterParticipation participation) : IConsoleScheduler
{
    /// <summary>The Quartz group of jobs fired by hand from the console (the job-folder sync never touches it).</summary>
    public const string ManualGroup = "dxmig-manual";

    public async Task<string?> RunNowAsync(string jobPath, bool ignoreWindow, string requestedBy, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(jobPath);
        if (participation.Running().Contains(path, StringComparer.Ordinal))
        {
            return "このジョブはこのノードで実行中です / this job is running on this node now";
        }

        var data = new JobDataMap
        {
            [DxmigQuartzJob.IgnoreWindowKey] = ignoreWindow ? "true" : "false",
            [DxmigQuartzJob.RequestedByKey] = requestedBy,
        };
        var keys = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(DxmigQuartzJob.Group), cancellationToken);
        foreach (var key in keys)
        {
            var detail = await scheduler.GetJobDetail(key, cancellationToken);
            if (string.Equals(detail?.JobDataMap.GetString(DxmigQuartzJob.PathKey), path, StringComparison.Ordinal))
            {
                await scheduler.TriggerJob(key, data, cancellationToken);
                return null;
            }
        }

        var manual = new JobKey(Path.GetFileNameWithoutExtension(path), ManualGroup);
        var job = JobBuilder.Create<DxmigQuartzJob>().WithIdentity(manual).UsingJobData(DxmigQuartzJob.PathKey, path).StoreDurably().RequestRecovery().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        await scheduler.TriggerJob(manual, data, cancellationToken);
        return null;
    }

    public async Task<string> PlanAsync(string jobPath, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var io = new CliIo(output, error, interactive: false, settings.Environment, settings.Time, terminalWidth: 140);
        var code = await PlanCommand.ExecuteAsync(io, jobPath, configPath: null, new GivenThroughput(null, null), useStatusSize: true, NodePlan.Default, cancellationToken);
        var text = output.ToString() + (error.GetStringBuilder().Length > 0 ? Environment.NewLine + error : string.Empty);
        return code == ExitCodes.Success ? text : $"終了コード / exit code {code}{Environment.NewLine}{text}";
    }
}

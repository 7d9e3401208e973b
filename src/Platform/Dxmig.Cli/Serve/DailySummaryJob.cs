using Dxmig.Jobs;
using Dxmig.Platform.Alerts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The daily summary mail of a job (<c>alerts.daily-summary: "08:00"</c>): every run of the last 24 hours with its
/// accounting, to the job's admins. One per cluster per day (<see cref="DisallowConcurrentExecutionAttribute"/>; a
/// misfired summary is not sent late).
/// </summary>
[DisallowConcurrentExecution]
internal sealed class DailySummaryJob(ServeSettings settings, ILoggerFactory loggers) : IJob
{
    public const string Group = "dxmig-summary";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.MergedJobDataMap.GetString(DxmigQuartzJob.PathKey)
            ?? throw new JobExecutionException($"job {context.JobDetail.Key} has no '{DxmigQuartzJob.PathKey}' in its data");
        await SendAsync(path, settings.Environment, settings.Time, loggers.CreateLogger("dxmig.alerts"), cancellationToken);
    }

    /// <summary>Reads the job's ledger and mails the summary; false when there is nothing to mail to or it could not be sent.</summary>
    public static async Task<bool> SendAsync(string path, Func<string, string?> environment, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var job = JobLoader.LoadForRun(path, environment).File;
        if (job.Alerts is not { } alerts)
        {
            return false;
        }

        IReadOnlyList<LedgerRun> runs = [];
        var location = job.LedgerLocation();
        if (location.Provider != StoreProvider.Sqlite || File.Exists(location.Display))
        {
            await using var ledger = await JobLedger.OpenAsync(location, time, cancellationToken);
            runs = await ledger.RecentRunsAsync(job.Name, 200, cancellationToken);
        }

        var mailer = new AlertMailer(alerts, job.Environment, logger);
        return await mailer.SendAsync(mailer.ComposeSummary(job.Name, runs, time.GetUtcNow()), cancellationToken);
    }
}

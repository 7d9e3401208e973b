using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Jobs.Retention;
using Dxmig.Platform.Logging;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// Every day at <see cref="At"/> (Tokyo), keeps every job file of the folder within its <c>retention:</c> (runs, removed
/// items' rows, logs, reports): <see cref="RetentionService"/>. One per cluster per day; a misfire is not run late (the
/// next run of each job enforces it too). A job that cannot be pruned is logged and the others go on.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class RetentionJob(ServeSettings settings, ILoggerFactory loggers) : IJob
{
    public const string Group = "dxmig-retention";

    public const string Name = "daily";

    /// <summary>When the daily enforcement runs (Tokyo): after the night's windows, before people read the reports.</summary>
    public static readonly TimeOnly At = new(5, 30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var logger = loggers.CreateLogger("dxmig.retention");
        await EnforceAllAsync(settings.JobsDirectory, settings.Environment, settings.Time, logger, cancellationToken);
    }

    /// <summary>Enforces the retention of every job file in <paramref name="folder"/>; the number of jobs done.</summary>
    public static async Task<int> EnforceAllAsync(string folder, Func<string, string?> environment, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var done = 0;
        var service = new RetentionService(time);
        foreach (var path in JobFileSync.JobFiles(folder))
        {
            var diagnostics = new DiagnosticBag();
            var job = JobLoader.Load(path, diagnostics, environment)?.File;
            if (job is null || diagnostics.HasErrors)
            {
                continue; // the folder sync reports broken files; their runs keep what they have.
            }

            try
            {
                var outcome = await service.EnforceAsync(job, cancellationToken);
                logger.LogInformation("{Job}: {Retention}", job.Name, outcome.Describe());
                done++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException or ConfigurationException)
            {
                logger.LogWarning(
                    "{Job}: 保存期間の整理ができませんでした (明日また試します) / retention could not be enforced (tried again tomorrow): {Message}",
                    job.Name, SecretMasker.Apply(ex.Message));
            }
        }

        return done;
    }
}

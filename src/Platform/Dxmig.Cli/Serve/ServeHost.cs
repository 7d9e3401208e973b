using Dxmig.Platform.Scheduling.Quartz;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The scheduler host: a Generic Host with Quartz on the ADO job store (SQLite, or PostgreSQL clustered), the job
/// folder sync and the Quartz job that runs job files.
/// </summary>
internal static class ServeHost
{
    /// <summary>How long a stop waits for running jobs to finish the batch in hand and checkpoint.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Creates the Quartz tables when missing (recorded in dxmig_schema), then builds the host.</summary>
    /// <exception cref="StoreSchemaException">The database holds another version of the Quartz schema.</exception>
    public static async Task<IHost> BuildAsync(ServeSettings settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await QuartzSchema.EnsureAsync(settings.Store, cancellationToken);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "dxmig",
        });
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<ScheduledRun>();
        builder.Services.AddSingleton<ClusterParticipation>();
        builder.Services.AddTransient<DxmigQuartzJob>();
        builder.Services.AddTransient<DailySummaryJob>();
        builder.Services.AddTransient<RetentionJob>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddQuartz(q => Configure(q, settings));
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddSingleton<JobFileSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobFileSync>());
        // Stop requests from the operator console (of this node or another) reach the runs of this node.
        builder.Services.AddHostedService<StopRequestWatcher>();
        if (settings.Clustered)
        {
            builder.Services.AddHostedService<ClusterJoiner>();
        }
        return builder.Build();
    }

    private static void Configure(IQuartzBuilder quartz, ServeSettings settings)
    {
        quartz.ConfigureScheduler(o =>
        {
            o.InstanceName = "dxmig";
            o.InstanceId = settings.Node;
            // SIGTERM: the scheduler waits for running jobs and cancels their token, so each run finishes the batch
            // in hand, checkpoints and returns; the next fire (or another node) resumes it.
            o.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
        });
        quartz.UseDefaultThreadPool(settings.MaxConcurrentJobs);
        if (settings.Time != TimeProvider.System)
        {
            quartz.UseTimeProvider(settings.Time);
        }

        quartz.UsePersistentStore(store =>
        {
            store.ConfigureStore(o =>
            {
                o.TablePrefix = QuartzSchema.TablePrefix;
                o.StoreJobDataAsStrings = true;
                o.MisfireThreshold = ServeSettings.MisfireThreshold;
                // dxmig creates the schema itself (QuartzSchema); Quartz only checks it.
                o.SchemaProvisioning = SchemaProvisioning.Validate;
            });
            if (settings.Store.Provider == StoreProvider.Sqlite)
            {
                store.UseSqlite(settings.Store.ConnectionString);
            }
            else
            {
                if (settings.Store.PinnedSha256 is not null)
                {
                    // A pinned certificate is checked by a callback, which a connection string cannot carry: Quartz
                    // takes its connections from the same pinned data source as the ledger.
                    var pinned = PostgresTls.PinnedDataSource(settings.Store);
                    store.UsePostgres(o => o.DataSourceFactory = _ => pinned);
                }
                else
                {
                    store.UsePostgres(settings.Store.ConnectionString);
                }

                store.UseClustering(c =>
                {
                    c.CheckinInterval = settings.CheckinInterval;
                    c.CheckinMisfireThreshold = settings.CheckinMisfireThreshold;
                });
            }

            store.UseSystemTextJsonSerializer();
        });
    }
}

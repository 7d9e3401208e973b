using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Serve;

/// <summary>
/// A clustered node lends its hands: every few seconds it looks, in the ledger of each job file it has, for an open
/// cluster run with accounts waiting (or held by a node that stopped heartbeating) and joins it. A fire lands on one
/// node (Quartz); this is how the others, and nodes started while the run goes on, take up the rest. On stop it waits
/// for its runs to finish the batch in hand and give their accounts back.
/// </summary>
internal sealed class ClusterJoiner(ServeSettings settings, ClusterParticipation participation, ILogger<ClusterJoiner> logger) : BackgroundService
{
    /// <summary>How often the node looks for runs to join.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, (DateTime Written, string Job, StoreLocation Ledger)?> jobs = new(StringComparer.Ordinal);

    /// <summary>Each ledger opened once (its schema checked once), not on every look.</summary>
    private readonly Dictionary<string, JobLedger> ledgers = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Poll, settings.Time, stoppingToken);
                await LookAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await participation.AllAsync();
        foreach (var ledger in ledgers.Values)
        {
            await ledger.DisposeAsync();
        }
    }

    private async Task LookAsync(CancellationToken stoppingToken)
    {
        foreach (var path in JobFileSync.JobFiles(settings.JobsDirectory))
        {
            if (participation.IsActive(path) || Read(path) is not { } job || job.Ledger.Provider != StoreProvider.PostgreSql)
            {
                continue;
            }

            try
            {
                if (!ledgers.TryGetValue(job.Ledger.ConnectionString, out var ledger))
                {
                    ledger = await JobLedger.OpenAsync(job.Ledger, settings.Time, stoppingToken);
                    ledgers[job.Ledger.ConnectionString] = ledger;
                }

                if (await ledger.RunNeedingHandsAsync(job.Job, RunSettings.DefaultLeaseTimeout, stoppingToken) is { } runId &&
                    participation.TryJoin(path, stoppingToken))
                {
                    logger.LogInformation("{Job}: 実行 {RunId} に参加します / joining run {RunId}", job.Job, runId, runId);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // One job's ledger out of reach must not stop the node from helping the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning("{Job}: 台帳を読めません / cannot read the ledger: {Reason}", job.Job, ex.Message);
            }
        }
    }

    /// <summary>The job's name and ledger, read again only when the file changed; null when the file has errors.</summary>
    private (DateTime Written, string Job, StoreLocation Ledger)? Read(string path)
    {
        var written = File.GetLastWriteTimeUtc(path);
        if (jobs.TryGetValue(path, out var known) && known?.Written == written)
        {
            return known;
        }

        var diagnostics = new DiagnosticBag();
        var job = JobLoader.Load(path, diagnostics, settings.Environment)?.File;
        var read = job is null || diagnostics.HasErrors ? ((DateTime, string, StoreLocation)?)null : (written, job.Name, job.LedgerLocation());
        jobs[path] = read;
        return read;
    }
}

using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Common;

/// <summary>
/// The run of a record job (an export into one store or tenant, one batch at a time): its ledger opened, the pipeline
/// run over the requested accounts with the job's batch settings. Shared by the CESS and mobile-work job kinds.
/// </summary>
public static class RecordJobRun
{
    /// <exception cref="StoreSchemaException">The ledger holds another schema version.</exception>
    public static async Task<RunResult> RunAsync<TSource, TTarget>(
        JobFile job, JobRunRequest request, IExtractor<TSource> extractor, ITransformer<TSource, TTarget> transformer, ILoader<TTarget> loader,
        IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken, IReadOnlyList<string>? accounts = null)
        where TSource : class
        where TTarget : class
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(loggers);
        var ledgerLocation = job.LedgerLocation();
        await using var ledger = await JobLedger.OpenAsync(ledgerLocation, request.Time, stopToken);
        var runner = new PipelineRunner<TSource, TTarget>(extractor, transformer, loader, ledger, loggers.CreateLogger("dxmig.run"), request.Time);
        return await runner.RunAsync(
            request.RunSettings(job, accounts),
            observer,
            stopToken);
    }
}

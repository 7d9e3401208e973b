using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// Reconciles accounts in parallel: per account the source and the target are read at the same time (independently),
/// the ledger's entries are put beside them, and the result goes to the report. An account whose source or target
/// cannot be read is incomplete with the reason; the others go on.
/// </summary>
public sealed class ReconciliationRunner(IReconciler reconciler, JobLedger ledger, string job, ILogger logger)
{
    /// <exception cref="OperationCanceledException">Stopped.</exception>
    /// <exception cref="EndpointOutageException">
    /// The first accounts (or several in a row) could not reach the same server for the same reason: the rest are not
    /// tried, and no report is made of a server that was never read.
    /// </exception>
    public async Task RunAsync(IReadOnlyList<string> accounts, int parallelism, ReportSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(sink);
        using var circuit = new EndpointCircuit(accounts.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, circuit.Opened);
        try
        {
            await Parallel.ForEachAsync(
                accounts,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = stop.Token },
                async (account, token) => sink.Add(await ReconcileAsync(account, circuit, token)));
        }
        catch (OperationCanceledException) when (circuit.Outage is not null && !cancellationToken.IsCancellationRequested)
        {
        }

        if (circuit.Outage is { } outage)
        {
            logger.LogInformation("回路を開きました / circuit opened: {Message}", outage.Message);
            throw new EndpointOutageException(outage);
        }
    }

    private async Task<AccountReconciliation> ReconcileAsync(string account, EndpointCircuit circuit, CancellationToken cancellationToken)
    {
        EndpointSide? failedSide = null;
        try
        {
            // A server that drops the connection (or is restarting) is read again from the start on a fresh one.
            return await Imap.ImapRetry.RunAsync(
                async _ =>
                {
                    var source = CollectAsync(reconciler.ReadSourceAsync(account, cancellationToken), () => failedSide ??= EndpointSide.Source, cancellationToken);
                    var target = CollectAsync(reconciler.ReadTargetAsync(account, cancellationToken), () => failedSide ??= EndpointSide.Target, cancellationToken);
                    var entries = await ledger.AccountItemsAsync(job, account, cancellationToken);
                    var result = ReconComparer.Compare(account, await source, await target, entries);
                    logger.LogInformation("{Account}: {Verdict} {Reason}", account, ReportWriter.VerdictName(result.Verdict), result.Reason);
                    circuit.Succeeded();
                    return result;
                },
                (ex, attempt) =>
                {
                    if (EndpointFailure.Classify(ex) is not null)
                    {
                        // Never reached (refused, say): no "connection lost" for a connection that was never made.
                        logger.LogDebug("{Account}: 接続できないため再試行します / cannot connect ({Reason}); trying again (attempt {Attempt})", account, ex.Message, attempt + 1);
                    }
                    else
                    {
                        logger.LogWarning("{Account}: 接続が切れたため読み直します / connection lost ({Reason}); reading again (attempt {Attempt})", account, ex.Message, attempt + 1);
                    }

                    failedSide = null;
                    return Task.CompletedTask;
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is AccountFailedException or IOException or MailKit.Net.Imap.ImapCommandException or MailKit.Net.Imap.ImapProtocolException
                                       or MailKit.ServiceNotConnectedException or HttpRequestException or TimeoutException or System.Data.Common.DbException)
        {
            if (circuit.Failed(account, failedSide, ex) || circuit.IsOpen)
            {
                // The run says it once (EndpointOutageException); no line per account.
                throw new OperationCanceledException(circuit.Outage!.Message, ex, circuit.Opened);
            }

            // Plain words first, the library's text after as detail (never an English library message alone).
            var message = Pipeline.FailureWords.Explain(ex);
            if (EndpointFailure.Classify(ex) is not null)
            {
                // A server that cannot be reached is said once, if the circuit opens; the report names it per account.
                logger.LogInformation("{Account}: 照合できません / cannot reconcile: {Message}", account, message);
            }
            else
            {
                logger.LogWarning("{Account}: 照合できません / cannot reconcile: {Message}", account, message);
            }

            return AccountReconciliation.Failed(account, $"照合できません / cannot reconcile: {message}");
        }
    }

    private static async Task<List<ReconItem>> CollectAsync(IAsyncEnumerable<ReconItem> items, Action failed, CancellationToken cancellationToken)
    {
        await Task.Yield(); // let the source and the target be read at the same time
        var list = new List<ReconItem>();
        try
        {
            await foreach (var item in items.WithCancellation(cancellationToken))
            {
                list.Add(item);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed();
            throw;
        }

        return list;
    }
}

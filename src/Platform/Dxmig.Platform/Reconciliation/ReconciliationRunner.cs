using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
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
    public async Task RunAsync(IReadOnlyList<string> accounts, int parallelism, ReportSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        await Parallel.ForEachAsync(
            accounts,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
            async (account, token) => sink.Add(await ReconcileAsync(account, token)));
    }

    private async Task<AccountReconciliation> ReconcileAsync(string account, CancellationToken cancellationToken)
    {
        try
        {
            // A server that drops the connection (or is restarting) is read again from the start on a fresh one.
            return await Imap.ImapRetry.RunAsync(
                async _ =>
                {
                    var source = CollectAsync(reconciler.ReadSourceAsync(account, cancellationToken), cancellationToken);
                    var target = CollectAsync(reconciler.ReadTargetAsync(account, cancellationToken), cancellationToken);
                    var entries = await ledger.AccountItemsAsync(job, account, cancellationToken);
                    var result = ReconComparer.Compare(account, await source, await target, entries);
                    logger.LogInformation("{Account}: {Verdict} {Reason}", account, ReportWriter.VerdictName(result.Verdict), result.Reason);
                    return result;
                },
                (ex, attempt) =>
                {
                    logger.LogWarning("{Account}: 接続が切れたため読み直します / connection lost ({Reason}); reading again (attempt {Attempt})", account, ex.Message, attempt + 1);
                    return Task.CompletedTask;
                },
                cancellationToken);
        }
        catch (Exception ex) when (ex is AccountFailedException or IOException or MailKit.Net.Imap.ImapCommandException or MailKit.Net.Imap.ImapProtocolException
                                       or MailKit.ServiceNotConnectedException or HttpRequestException or TimeoutException or System.Data.Common.DbException)
        {
            // Plain words first, the library's text after as detail (never an English library message alone).
            var message = Pipeline.FailureWords.Explain(ex);
            logger.LogWarning("{Account}: 照合できません / cannot reconcile: {Message}", account, message);
            return AccountReconciliation.Failed(account, $"照合できません / cannot reconcile: {message}");
        }
    }

    private static async Task<List<ReconItem>> CollectAsync(IAsyncEnumerable<ReconItem> items, CancellationToken cancellationToken)
    {
        await Task.Yield(); // let the source and the target be read at the same time
        var list = new List<ReconItem>();
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            list.Add(item);
        }

        return list;
    }
}

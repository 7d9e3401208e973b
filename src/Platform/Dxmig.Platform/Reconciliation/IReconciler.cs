namespace Dxmig.Platform.Reconciliation;

/// <summary>
/// Reads one kind of job's source and target independently, item by item, for one account at a time. Neither side is
/// read from the ledger: the ledger is only put beside them by <see cref="ReconComparer"/>.
/// </summary>
public interface IReconciler : IAsyncDisposable
{
    /// <summary>The source as a person knows it ("IMAP mail.example.jp:993"), never with a secret.</summary>
    string SourceDescription { get; }

    /// <summary>The target as a person knows it, never with a secret.</summary>
    string TargetDescription { get; }

    /// <summary>What is compared beyond presence: "flags", "date", "folder", "fields", "sha256".</summary>
    IReadOnlyList<string> Compared { get; }

    /// <summary>Requests sent to the source and target servers so far (IMAP commands, Graph requests, SQL queries).</summary>
    long Requests { get; }

    /// <summary>The account's items on the source.</summary>
    /// <exception cref="Contracts.AccountFailedException">The source account cannot be read.</exception>
    IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, CancellationToken cancellationToken);

    /// <summary>The account's items on the target.</summary>
    /// <exception cref="Contracts.AccountFailedException">The target account cannot be read.</exception>
    IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken);
}

/// <summary>What the person asked for.</summary>
/// <param name="Accounts">Source accounts to reconcile.</param>
/// <param name="Deep">Also hash every body or row on both sides (slow: reads bodies).</param>
/// <param name="Time">The clock.</param>
public sealed record ReconcileRequest(IReadOnlyList<string> Accounts, bool Deep, TimeProvider Time);

using System.Diagnostics;

namespace Dxmig.Platform.Ledger;

/// <summary>
/// One account of a cluster run, claimed by this process: the lease's epoch (raised by every claim, so a later holder
/// always has a higher one), and this process's own view of whether it still holds it. Every ledger write for the
/// account checks the epoch in PostgreSQL inside its transaction (<see cref="JobLedger"/>), and every target batch is
/// preceded by <see cref="ThrowIfLost"/>: a process that was frozen past its lease finds on waking that its last confirmed
/// heartbeat is too old (the monotonic clock ran on while it was stopped) and writes nothing more.
/// </summary>
public sealed class AccountLease : IDisposable
{
    private readonly CancellationTokenSource lost = new();
    private readonly TimeSpan localValidity;
    private long confirmedTimestamp;
    private string? lostReason;

    public AccountLease(string job, string runId, string account, string holder, string node, int epoch, string? previousNode, TimeSpan leaseTimeout)
    {
        Job = job;
        RunId = runId;
        Account = account;
        Holder = holder;
        Node = node;
        Epoch = epoch;
        PreviousNode = previousNode;
        // Well inside the lease: another node can take the account only after the whole timeout without a heartbeat.
        localValidity = leaseTimeout * 2 / 3;
        confirmedTimestamp = Stopwatch.GetTimestamp();
    }

    public string Job { get; }

    public string RunId { get; }

    public string Account { get; }

    /// <summary>This process's participation in the run (node name, process id and a random part).</summary>
    public string Holder { get; }

    public string Node { get; }

    /// <summary>Raised by every claim of the account in this run.</summary>
    public int Epoch { get; }

    /// <summary>The node that held the account before (taken over after it died or released after a stop); null on the first claim.</summary>
    public string? PreviousNode { get; }

    /// <summary>An earlier holder worked on the account in this run: its finished items are counted, not redone.</summary>
    public bool TakenOver => Epoch > 1;

    /// <summary>Cancelled once the lease is known lost.</summary>
    public CancellationToken LostToken => lost.Token;

    public bool IsLost => lostReason is not null || Stopwatch.GetElapsedTime(Interlocked.Read(ref confirmedTimestamp)) > localValidity;

    /// <summary>The heartbeat sent at <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp) was confirmed.</summary>
    public void Confirmed(long sentTimestamp)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref confirmedTimestamp);
            if (sentTimestamp <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref confirmedTimestamp, sentTimestamp, current) != current);
    }

    public void MarkLost(string reason)
    {
        Interlocked.CompareExchange(ref lostReason, reason, null);
        try
        {
            lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The account has ended already.
        }
    }

    /// <exception cref="LeaseLostException">The lease is lost, or this process cannot be sure it still holds it.</exception>
    public void ThrowIfLost()
    {
        if (lostReason is { } reason)
        {
            throw new LeaseLostException(this, reason);
        }

        var since = Stopwatch.GetElapsedTime(Interlocked.Read(ref confirmedTimestamp));
        if (since > localValidity)
        {
            var why = $"最後に確認できた生存通知から {since.TotalSeconds:0} 秒経過 / {since.TotalSeconds:0} s since the last confirmed heartbeat";
            MarkLost(why);
            throw new LeaseLostException(this, why);
        }
    }

    public void Dispose() => lost.Dispose();
}

/// <summary>This process no longer holds an account of a cluster run (another node took it over); nothing was written.</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException()
    {
    }

    public LeaseLostException(string message)
        : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LeaseLostException(AccountLease lease, string reason)
        : base(
            $"アカウント {lease?.Account} の担当 (エポック {lease?.Epoch}) を失いました。このノードはこのアカウントにこれ以上書き込みません: {reason} / " +
            $"lost the lease of account {lease?.Account} (epoch {lease?.Epoch}); this node writes nothing more for it: {reason}")
    {
    }
}

using Dxmig.Platform.Ledger;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// The accounting of one account in one run. The invariant every run proves:
/// <c>Seen = Loaded + Skipped + Quarantined + AlreadyDone</c>.
/// </summary>
public sealed class AccountResult(string account)
{
    private long seen;
    private long loaded;
    private long skipped;
    private long quarantined;
    private long alreadyDone;
    private long bytes;

    public string Account { get; } = account;

    public RunOutcome Outcome { get; set; } = RunOutcome.Running;

    /// <summary>Why the account failed or stopped, in one line.</summary>
    public string? Message { get; set; }

    public long Seen => Interlocked.Read(ref seen);

    public long Loaded => Interlocked.Read(ref loaded);

    public long Skipped => Interlocked.Read(ref skipped);

    public long Quarantined => Interlocked.Read(ref quarantined);

    public long AlreadyDone => Interlocked.Read(ref alreadyDone);

    /// <summary>Source bytes of the items seen.</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    public bool Balances => Seen == Loaded + Skipped + Quarantined + AlreadyDone;

    internal void CountSeen(long size)
    {
        Interlocked.Increment(ref seen);
        Interlocked.Add(ref bytes, size);
    }

    internal void Count(ItemState state)
    {
        switch (state)
        {
            case ItemState.Loaded:
                Interlocked.Increment(ref loaded);
                break;
            case ItemState.Skipped:
                Interlocked.Increment(ref skipped);
                break;
            case ItemState.Quarantined:
                Interlocked.Increment(ref quarantined);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, "an item ends loaded, skipped or quarantined");
        }
    }

    internal void CountAlreadyDone() => Interlocked.Increment(ref alreadyDone);

    public LedgerRunAccount ToLedger(string runId) => new()
    {
        RunId = runId,
        Account = Account,
        Outcome = Outcome,
        Seen = Seen,
        Loaded = Loaded,
        Skipped = Skipped,
        Quarantined = Quarantined,
        AlreadyDone = AlreadyDone,
        Bytes = Bytes,
        Message = Message,
    };
}

using Dxmig.Platform.Ledger;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// The accounting of one account in one run. The invariant every run proves:
/// <c>Seen = Loaded + Removed + Skipped + Quarantined + AlreadyDone</c>.
/// </summary>
public sealed class AccountResult(string account) : IRunCounts
{
    private long seen;
    private long loaded;
    private long skipped;
    private long quarantined;
    private long alreadyDone;
    private long removed;
    private long bytes;
    private readonly List<string> warnings = [];

    public string Account { get; } = account;

    public RunOutcome Outcome { get; set; } = RunOutcome.Running;

    /// <summary>Why the account failed or stopped, in one line.</summary>
    public string? Message { get; set; }

    public long Seen => Interlocked.Read(ref seen);

    public long Loaded => Interlocked.Read(ref loaded);

    public long Skipped => Interlocked.Read(ref skipped);

    public long Quarantined => Interlocked.Read(ref quarantined);

    public long AlreadyDone => Interlocked.Read(ref alreadyDone);

    /// <summary>Items that vanished from the source and were removed from the target.</summary>
    public long Removed => Interlocked.Read(ref removed);

    /// <summary>Warnings a person must read (a refused mass deletion); the account still completes.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (warnings)
            {
                return [.. warnings];
            }
        }
    }

    /// <summary>Source bytes of the items seen.</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    public bool Balances => this.Balances();

    /// <summary>Cluster runs: another node took the account over while this process worked on it; this process recorded nothing for it.</summary>
    public bool LeaseLost { get; internal set; }

    /// <summary>Not tried: the run's circuit was open (a server could not be reached) before the account's turn came.</summary>
    public bool NotTried { get; internal set; }

    /// <summary>Which end the account's failure came from (the extractor's or the loader's), for the run's circuit.</summary>
    internal Contracts.EndpointSide? FailedSide { get; set; }

    /// <summary>Cluster runs: the node that held the account before in this run (its finished items are counted here).</summary>
    public string? TakenOverFrom { get; internal set; }

    /// <summary>An account as the ledger recorded it (another node of a cluster run ran it).</summary>
    public static AccountResult FromLedger(LedgerRunAccount row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var result = new AccountResult(row.Account)
        {
            Outcome = row.Outcome,
            Message = row.Message,
            seen = row.Seen,
            loaded = row.Loaded,
            skipped = row.Skipped,
            quarantined = row.Quarantined,
            alreadyDone = row.AlreadyDone,
            removed = row.Removed,
            bytes = row.Bytes,
        };
        if (row.Warnings is { } lines)
        {
            result.warnings.AddRange(lines.Split('\n'));
        }

        return result;
    }

    /// <summary>A taken-over account starts with what its earlier holder finished in this run.</summary>
    internal void Preload(IReadOnlyDictionary<ItemState, (long Count, long Bytes)> totals)
    {
        foreach (var (state, (count, size)) in totals)
        {
            Interlocked.Add(ref seen, count);
            Interlocked.Add(ref bytes, size);
            switch (state)
            {
                case ItemState.Loaded:
                    Interlocked.Add(ref loaded, count);
                    break;
                case ItemState.Skipped:
                    Interlocked.Add(ref skipped, count);
                    break;
                case ItemState.Quarantined:
                    Interlocked.Add(ref quarantined, count);
                    break;
                case ItemState.Removed:
                    Interlocked.Add(ref removed, count);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(totals), state, "an earlier holder's finished items are loaded, removed, skipped or quarantined");
            }
        }
    }

    internal void Warn(string warning)
    {
        lock (warnings)
        {
            warnings.Add(warning);
        }
    }

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
            case ItemState.Removed:
                Interlocked.Increment(ref removed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, "an item ends loaded, removed, skipped or quarantined");
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
        Removed = Removed,
        Bytes = Bytes,
        Message = Message,
        Warnings = Warnings.Count == 0 ? null : string.Join('\n', Warnings),
    };
}

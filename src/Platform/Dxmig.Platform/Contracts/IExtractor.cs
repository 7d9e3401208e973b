namespace Dxmig.Platform.Contracts;

/// <summary>
/// Reads one account's items from a source as a stream. An extractor knows nothing of targets. It yields every item it
/// sees, including the ones it cannot read (with <see cref="SourceItem{T}.Problem"/> set), and never the same
/// <see cref="SourceKey.Ref"/> twice in one call.
/// </summary>
public interface IExtractor<T>
    where T : class
{
    /// <summary>What the source holds for the account, for progress and ETA; null when it cannot be known cheaply.</summary>
    ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken);

    /// <summary>Streams the account's items.</summary>
    /// <exception cref="AccountFailedException">The account as a whole cannot be read (missing file, refused login).</exception>
    IAsyncEnumerable<SourceItem<T>> ExtractAsync(string account, ExtractContext context, CancellationToken cancellationToken);
}

/// <summary>The expected size of an account at the source.</summary>
public sealed record SourceEstimate(long? Items, long Bytes);

/// <summary>What the runner gives an extractor: the account's checkpoints, to read only what is new.</summary>
public sealed class ExtractContext(ICheckpointAccess checkpoints)
{
    public ICheckpointAccess Checkpoints { get; } = checkpoints;
}

/// <summary>Checkpoints of one account, per container.</summary>
public interface ICheckpointAccess
{
    /// <summary>The last checkpoint saved for the container, or null.</summary>
    Task<Checkpoint?> GetAsync(string container, CancellationToken cancellationToken);

    /// <summary>Saves a checkpoint; call only for items the ledger already holds as done.</summary>
    Task SaveAsync(Checkpoint checkpoint, CancellationToken cancellationToken);
}

/// <summary>Where reading a container stopped (IMAP: UIDVALIDITY, highest UID, HIGHESTMODSEQ; others: an opaque cursor).</summary>
public sealed record Checkpoint(string Container, long? UidValidity, long? HighestUid, long? HighestModSeq, string? Cursor);

/// <summary>Checkpoints that are never there and never kept: for reading a source outside a run (tools, benchmarks).</summary>
public sealed class NoCheckpoints : ICheckpointAccess
{
    public static readonly NoCheckpoints Instance = new();

    public Task<Checkpoint?> GetAsync(string container, CancellationToken cancellationToken) => Task.FromResult<Checkpoint?>(null);

    public Task SaveAsync(Checkpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;
}

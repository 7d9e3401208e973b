namespace Dxmig.Contracts;

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

/// <summary>
/// What the runner gives an extractor: the account's checkpoints (to read only what is new), what the ledger knows of
/// the account's items (to detect flag changes and deletions without re-reading bodies), and a way to raise a warning
/// that a person must see (a refused mass deletion) without failing the account.
/// </summary>
public sealed class ExtractContext(ICheckpointAccess checkpoints, IKnownItems? known = null, Action<string>? warn = null)
{
    public ICheckpointAccess Checkpoints { get; } = checkpoints;

    public IKnownItems Known { get; } = known ?? NoKnownItems.Instance;

    /// <summary>Raises a warning for the account (Japanese / English in one line): the run ends "needs attention".</summary>
    public void Warn(string japanese, string english) => warn?.Invoke($"{japanese} / {english}");
}

/// <summary>One item as the ledger knows it.</summary>
public sealed record KnownItem(string NativeId, string ContentHash, string State, string? TargetKey);

/// <summary>Read-only view of what the ledger holds for one account.</summary>
public interface IKnownItems
{
    /// <summary>The ledger's entries for these items of a container (missing ones are absent).</summary>
    Task<IReadOnlyDictionary<string, KnownItem>> LookupAsync(string container, IReadOnlyCollection<string> nativeIds, CancellationToken cancellationToken);

    /// <summary>Every entry of a container whose state is loaded (what the target should hold), streamed.</summary>
    IAsyncEnumerable<KnownItem> ListLoadedAsync(string container, CancellationToken cancellationToken);
}

/// <summary>A ledger view that knows nothing (tools, tests).</summary>
public sealed class NoKnownItems : IKnownItems
{
    public static readonly NoKnownItems Instance = new();

    public Task<IReadOnlyDictionary<string, KnownItem>> LookupAsync(string container, IReadOnlyCollection<string> nativeIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, KnownItem>>(new Dictionary<string, KnownItem>());

    public async IAsyncEnumerable<KnownItem> ListLoadedAsync(string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }
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

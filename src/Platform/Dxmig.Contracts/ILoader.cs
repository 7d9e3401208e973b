namespace Dxmig.Contracts;

/// <summary>
/// Writes target items and returns their target keys. A loader knows nothing of sources. It must be idempotent per
/// source key: when a request is <see cref="LoadRequest{T}.InDoubt"/> (an earlier run may have written it without the
/// ledger knowing), the loader looks on the target first and returns the existing key instead of writing again.
/// </summary>
public interface ILoader<T> : IAsyncDisposable
    where T : class
{
    /// <summary>Loads a batch for one account; returns one outcome per request, in order.</summary>
    /// <exception cref="AccountFailedException">The account's target cannot be written at all.</exception>
    Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<T>> batch, CancellationToken cancellationToken);
}

/// <summary>
/// One target item to write. <paramref name="Index"/> numbers the target items of one source item.
/// <paramref name="PreviousTargetKey"/> is what the ledger recorded for an earlier version of the item (a changed item
/// is updated there rather than written anew). <paramref name="Removal"/>: remove it from the target instead.
/// </summary>
public sealed record LoadRequest<T>(SourceKey Key, string ContentHash, int Index, T Item, bool InDoubt, string? PreviousTargetKey = null, bool Removal = false)
    where T : class;

/// <summary>The target's answer for one request: its key, or the reason it refused the item.</summary>
public readonly record struct LoadOutcome(string? TargetKey, ItemProblem? Problem)
{
    /// <summary>What the loader changed on the way (a folder renamed by a rule): kept in the ledger beside the item.</summary>
    public string? Note { get; init; }

    public static LoadOutcome Loaded(string targetKey) => new(targetKey, null);

    public static LoadOutcome Refused(ItemProblem problem) => new(null, problem);
}

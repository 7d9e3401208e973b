namespace Dxmig.Contracts;

/// <summary>
/// Maps a source item to target item(s), or to a skip or quarantine with a reason. Pure: no I/O, no clock, no state
/// between calls, so it is tested with plain values.
/// </summary>
public interface ITransformer<TIn, TOut>
    where TIn : class
    where TOut : class
{
    TransformResult<TOut> Transform(SourceItem<TIn> item);
}

/// <summary>What a transformer decided for one item.</summary>
public sealed record TransformResult<T>
    where T : class
{
    private TransformResult(IReadOnlyList<T> targets, ItemProblem? problem)
    {
        Targets = targets;
        Problem = problem;
    }

    /// <summary>The target items to load (empty when skipped or quarantined).</summary>
    public IReadOnlyList<T> Targets { get; }

    /// <summary>Why nothing is loaded, when nothing is.</summary>
    public ItemProblem? Problem { get; }

    public static TransformResult<T> Load(T target) => new([target], null);

    public static TransformResult<T> Load(IReadOnlyList<T> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new ArgumentException("A load needs at least one target item; use Skip for nothing to load.", nameof(targets));
        }

        return new(targets, null);
    }

    public static TransformResult<T> Skip(string rule, string japanese, string english) =>
        new([], ItemProblem.Skip(rule, japanese, english));

    public static TransformResult<T> Quarantine(string reason, string japanese, string english) =>
        new([], ItemProblem.Quarantine(reason, japanese, english));

    public static TransformResult<T> From(ItemProblem problem) => new([], problem);
}

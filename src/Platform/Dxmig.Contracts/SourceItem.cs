namespace Dxmig.Contracts;

/// <summary>
/// One item read from a source. Either it carries a payload, or it carries the problem that kept it from being read
/// (bad bytes, a missing key column): such an item is quarantined with that reason and never silently dropped.
/// </summary>
/// <param name="Key">Stable source key.</param>
/// <param name="ContentHash">SHA-256 (hex) of the item's bytes or canonical record.</param>
/// <param name="Size">Bytes this item occupies in the source (progress and reports).</param>
/// <param name="Location">Where a person finds it: "tanaka.csv:12", "INBOX UID 42".</param>
/// <param name="Payload">The item, when it could be read.</param>
/// <param name="Problem">Why it could not be read, when it could not.</param>
/// <remarks>A payload that is <see cref="IDisposable"/> (a message body in a temporary file) is disposed by the runner once its batch is done.</remarks>
public sealed record SourceItem<T>(SourceKey Key, string ContentHash, long Size, string Location, T? Payload, ItemProblem? Problem)
    where T : class
{
    /// <summary>
    /// The extractor cannot tell whether the target already holds this item (its folder's UIDVALIDITY changed, say):
    /// the loader looks on the target before writing, as for an item the ledger has in doubt.
    /// </summary>
    public bool InDoubt { get; init; }

    /// <summary>The item vanished from the source; the loader removes it from the target (deletion policy permitting).</summary>
    public bool Removal { get; init; }

    public static SourceItem<T> Ok(SourceKey key, string hash, long size, string location, T payload) =>
        new(key, hash, size, location, payload, null);

    public static SourceItem<T> Bad(SourceKey key, string hash, long size, string location, ItemProblem problem) =>
        new(key, hash, size, location, null, problem);
}

/// <summary>What happens to an item that cannot go through as it is.</summary>
public enum ProblemKind
{
    /// <summary>Set aside for a person to look at; counted as quarantined.</summary>
    Quarantine,

    /// <summary>Left out by a named rule; counted as skipped.</summary>
    Skip,
}

/// <summary>
/// Why an item is quarantined or skipped: a short machine code (<c>bad-bytes</c>, <c>rule:max-size</c>) and the sentence
/// a person reads, Japanese first with English beside it.
/// </summary>
public sealed record ItemProblem(ProblemKind Kind, string Code, string Message)
{
    /// <summary>
    /// The skip rule of a change not applied because the person deleted the item on the target after cutover (their
    /// decision on the new system): the reconciliation lists it as deleted on the target, not as an exception.
    /// </summary>
    public const string TargetDeleted = "target-deleted";

    public static ItemProblem Quarantine(string code, string japanese, string english) =>
        new(ProblemKind.Quarantine, code, $"{japanese} / {english}");

    public static ItemProblem Skip(string rule, string japanese, string english) =>
        new(ProblemKind.Skip, rule, $"{japanese} / {english}");
}

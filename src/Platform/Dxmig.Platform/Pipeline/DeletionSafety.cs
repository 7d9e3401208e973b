namespace Dxmig.Platform.Pipeline;

/// <summary>
/// The safety threshold for removals after cutover (like Entra Connect's "prevent accidental deletes", default 500):
/// when more items vanished from the source than <see cref="MaxCount"/>, or more than <see cref="MaxPercent"/> of what
/// the target holds, nothing is removed; the would-be removals are kept in <see cref="Pending"/> for a person to review
/// and confirm with <c>dxmig run JOB --confirm-deletes RUNID</c>. Confirmed ids (<see cref="Confirmed"/>, the list of
/// that run) are removed whatever their number; any others still count against the threshold.
/// </summary>
public sealed class DeletionSafety
{
    public const int DefaultMaxCount = 500;
    public const double DefaultMaxPercent = 20;

    public int MaxCount { get; init; } = DefaultMaxCount;

    public double MaxPercent { get; init; } = DefaultMaxPercent;

    /// <summary>Native ids a person confirmed for removal (from an earlier run's pending list); null when none.</summary>
    public IReadOnlySet<string>? Confirmed { get; init; }

    /// <summary>Removals held back by this run (native id and the target key the ledger has), for the pending list.</summary>
    public IReadOnlyList<(string NativeId, string? TargetKey)> Pending { get; private set; } = [];

    /// <summary>Decides which vanished items may be removed now; the rest become <see cref="Pending"/>.</summary>
    /// <param name="vanished">Items the target holds that the source no longer has.</param>
    /// <param name="known">How many items the target holds (the base of the percentage).</param>
    public IReadOnlyList<(string NativeId, string? TargetKey)> Decide(IReadOnlyList<(string NativeId, string? TargetKey)> vanished, int known)
    {
        ArgumentNullException.ThrowIfNull(vanished);
        var confirmed = vanished.Where(v => Confirmed?.Contains(v.NativeId) == true).ToList();
        var rest = vanished.Where(v => Confirmed?.Contains(v.NativeId) != true).ToList();
        if (WithinThreshold(rest.Count, known))
        {
            Pending = [];
            return vanished;
        }

        Pending = rest;
        return confirmed;
    }

    /// <summary>Whether removing <paramref name="count"/> of <paramref name="known"/> items stays within the threshold.</summary>
    public bool WithinThreshold(int count, int known) =>
        count <= MaxCount && (known == 0 || count * 100.0 / known <= MaxPercent);
}

using Dxmig.Contracts;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// The end of an extraction that yields removals: what the target holds (the ledger's loaded items of a container)
/// against what the source still has, decided by the <see cref="DeletionSafety"/>; a run over the threshold raises the
/// "needs attention" warning with the counts.
/// </summary>
public static class RemovalScan
{
    /// <summary>The removals allowed now (native id, target key); the rest are left in <see cref="DeletionSafety.Pending"/>.</summary>
    /// <param name="safety">The threshold and the confirmed ids.</param>
    /// <param name="context">The run's view of the ledger, and its warning channel.</param>
    /// <param name="container">The container whose loaded items are compared.</param>
    /// <param name="stillThere">True for an item the source still has (or cannot tell about: never take it for gone).</param>
    /// <param name="warning">The warning (Japanese, English) for this many held-back removals at this percentage.</param>
    /// <param name="cancellationToken">Stops the listing.</param>
    public static async Task<IReadOnlyList<(string NativeId, string? TargetKey)>> DecideAsync(
        DeletionSafety safety, ExtractContext context, string container, Func<string, bool> stillThere,
        Func<int, double, (string Japanese, string English)> warning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(safety);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stillThere);
        ArgumentNullException.ThrowIfNull(warning);
        var known = 0;
        var vanished = new List<(string NativeId, string? TargetKey)>();
        await foreach (var entry in context.Known.ListLoadedAsync(container, cancellationToken))
        {
            known++;
            if (!stillThere(entry.NativeId))
            {
                vanished.Add((entry.NativeId, entry.TargetKey));
            }
        }

        var allowed = safety.Decide(vanished, known);
        if (safety.Pending.Count > 0)
        {
            var percent = known == 0 ? 0 : safety.Pending.Count * 100.0 / known;
            var (japanese, english) = warning(safety.Pending.Count, percent);
            context.Warn(japanese, english);
        }

        return allowed;
    }
}

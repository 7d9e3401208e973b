using Dxmig.Contracts;
using Dxmig.Contracts.Records;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Documents to the drive first, then their metadata to the platform store with the drive item each became: a document
/// the drive refused is not recorded in the store (it is quarantined with the drive's reason). The target key is the
/// drive's, so a removal finds the drive item; the store's row is keyed by source path.
/// </summary>
public sealed class DocumentLoaderChain(ILoader<DocumentRecord> drive, ILoader<DocumentRecord> store) : ILoader<DocumentRecord>
{
    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<DocumentRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = await drive.LoadAsync(account, batch, cancellationToken);
        var recorded = batch.Select((request, i) => (request, outcome: outcomes[i]))
            .Where(x => x.outcome.Problem is null)
            .Select(x => x.request with { Item = x.request.Item with { DriveItemId = GraphDriveLoader.ParseKey(x.outcome.TargetKey)?.ItemId } })
            .ToList();
        if (recorded.Count > 0)
        {
            await store.LoadAsync(account, recorded, cancellationToken);
        }

        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        await drive.DisposeAsync();
        await store.DisposeAsync();
    }
}

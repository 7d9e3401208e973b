using System.Collections.Concurrent;
using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Reconciliation;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Passes documents to the real loader and keeps every rename of a document it loaded, for
/// <c>{logs}/{job}/renames-{RUNID}.csv</c> (source path, target path, renames): the admin's list of what SharePoint's
/// name rules changed in this run. The same renames are in the ledger's note and the platform store's RenamedFrom.
/// </summary>
public sealed class RenameListLoader(ILoader<DocumentRecord> inner) : ILoader<DocumentRecord>
{
    private readonly ConcurrentQueue<(string Source, string Target, string Renames)> renames = new();

    public int Count => renames.Count;

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<DocumentRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = await inner.LoadAsync(account, batch, cancellationToken);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Problem is null && batch[i].Item.RenameNote is { } note)
            {
                renames.Enqueue((batch[i].Item.SourcePath, batch[i].Item.TargetPath, note));
            }
        }

        return outcomes;
    }

    /// <summary>Writes the list (UTF-8 with BOM, for Excel); returns its path, or null when nothing was renamed.</summary>
    public string? Write(string folder, string runId)
    {
        if (renames.IsEmpty)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        var text = new StringBuilder("source_path,target_path,renames\r\n");
        foreach (var (source, target, note) in renames.OrderBy(r => r.Source, StringComparer.Ordinal))
        {
            text.Append(CsvCells.Cell(source)).Append(',').Append(CsvCells.Cell(target)).Append(',').Append(CsvCells.Cell(note)).Append("\r\n");
        }

        var path = Path.Combine(folder, $"renames-{runId}.csv");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(true));
        return path;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

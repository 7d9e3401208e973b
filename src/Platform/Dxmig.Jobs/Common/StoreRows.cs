using System.Data.Common;
using System.Runtime.CompilerServices;
using Dxmig.Platform.Storage;

namespace Dxmig.Jobs.Common;

/// <summary>The rows a reconciler reads from the platform store, one query, streamed; none when the table was never created.</summary>
public static class StoreRows
{
    /// <summary>Yields the reader once per row (read its columns before asking for the next); <paramref name="onQuery"/> counts the query.</summary>
    public static async IAsyncEnumerable<DbDataReader> ReadAsync(
        StoreLocation store, string sql, (string Name, object? Value)[] parameters, Action onQuery, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onQuery);
        await using var connection = await StoreConnections.OpenAsync(store, cancellationToken);
        await using var command = connection.Command(sql, null, parameters);
        onQuery();
        DbDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (DbException ex) when (StoreErrors.IsMissingTable(ex))
        {
            yield break; // nothing was ever loaded into this store
        }

        await using (reader)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return reader;
            }
        }
    }
}

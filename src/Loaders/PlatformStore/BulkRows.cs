using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// How the platform-store loaders bulk-copy entity rows into a table, in the caller's open transaction: on PostgreSQL a
/// binary COPY written by <see cref="PgBinaryCopy{T}"/>; on SQLite, or for an entity with a column that writer does not
/// know, linq2db's BulkCopy (SQLite: multi-row INSERT; PostgreSQL: binary COPY through Npgsql's importer).
/// </summary>
internal static class BulkRows
{
    public static async Task<long> CopyAsync<T>(DbContext db, BulkCopyType type, IEnumerable<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        if (type == BulkCopyType.ProviderSpecific && db.Database.GetDbConnection() is NpgsqlConnection connection && PgBinaryCopy<T>.For(db.Model) is { } copy)
        {
            return await copy.CopyAsync(connection, rows, cancellationToken);
        }

        var copied = await db.BulkCopyAsync(new BulkCopyOptions { BulkCopyType = type, MaxBatchSize = 50_000 }, rows, cancellationToken);
        return copied.RowsCopied;
    }
}

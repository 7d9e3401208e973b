using System.Data.Common;
using Dxmig.Platform.Storage;
using LinqToDB.Data;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's bulk upsert by natural key: a batch bulk-copied into a staging table (linq2db BulkCopy;
/// PostgreSQL binary COPY), then one <c>INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE the content hash
/// differs</c> (unchanged rows are left alone), then the staging rows removed; in the caller's transaction.
/// </summary>
internal static class StagedUpsert
{
    /// <summary>The upsert statement; <paramref name="columns"/> start with the key and hold "ContentHash"; "CreatedUtc" is never overwritten.</summary>
    public static string Sql(string table, string staging, IReadOnlyList<string> columns)
    {
        var quoted = string.Join(", ", columns.Select(c => $"\"{c}\""));
        return $"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {staging} WHERE \"BatchId\" = @batch " +
               $"ON CONFLICT (\"{columns[0]}\") DO UPDATE SET " +
               string.Join(", ", columns.Skip(1).Where(c => c != "CreatedUtc").Select(c => $"\"{c}\" = excluded.\"{c}\"")) +
               $" WHERE {table}.\"ContentHash\" <> excluded.\"ContentHash\"";
    }

    /// <summary>Copies the rows into staging (streamed, in copies of at most 50,000), upserts them, clears staging; returns the rows written (inserted or changed).</summary>
    public static async Task<int> RunAsync<TRow>(
        DbContext db, BulkCopyType type, IEnumerable<TRow> rows, string upsertSql, string staging, string batchId, DbTransaction transaction,
        CancellationToken cancellationToken)
        where TRow : class
    {
        var copied = await BulkRows.CopyAsync(db, type, rows, cancellationToken);
        if (copied == 0)
        {
            return 0;
        }

        var connection = db.Database.GetDbConnection();
        await using var upsert = connection.Command(upsertSql, transaction, ("batch", (object?)batchId));
        var writes = await upsert.ExecuteNonQueryAsync(cancellationToken);
        await using var clear = connection.Command($"DELETE FROM {staging} WHERE \"BatchId\" = @batch", transaction, ("batch", (object?)batchId));
        await clear.ExecuteNonQueryAsync(cancellationToken);
        return writes;
    }
}

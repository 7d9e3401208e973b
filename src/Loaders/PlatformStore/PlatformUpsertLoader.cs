using Dxmig.Platform.Contracts;
using Dxmig.Platform.Storage;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// What the platform-store loaders share: each batch is bulk-copied into a staging table (linq2db BulkCopy;
/// PostgreSQL: provider-specific, i.e. binary COPY; SQLite: multi-row INSERT, the fastest linq2db has there), then
/// upserted into the table by its natural key in one <c>INSERT … SELECT … ON CONFLICT</c> that leaves unchanged rows
/// alone (same content hash), and removals deleted by key, all in one transaction. Loading the same batch twice changes
/// nothing. A batch holds no per-row round trip.
/// </summary>
/// <typeparam name="TRecord">What the pipeline hands over.</typeparam>
/// <typeparam name="TStaging">A row of the staging table (with its <c>BatchId</c>).</typeparam>
/// <typeparam name="TContext">The EF Core context that maps both tables.</typeparam>
public abstract class PlatformUpsertLoader<TRecord, TStaging, TContext> : ILoader<TRecord>
    where TRecord : class
    where TStaging : class
    where TContext : DbContext
{
    private readonly DbContextOptions<TContext> options;
    private readonly Func<DbContextOptions<TContext>, TContext> create;
    private readonly BulkCopyType bulkCopyType;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly string table;
    private readonly string staging;
    private readonly string key;
    private readonly string upsertSql;

    static PlatformUpsertLoader() => LinqToDBForEFTools.Initialize();

    /// <param name="location">The platform store.</param>
    /// <param name="time">The clock for CreatedUtc and UpdatedUtc.</param>
    /// <param name="create">Makes the context from options.</param>
    /// <param name="table">The table.</param>
    /// <param name="staging">Its staging table.</param>
    /// <param name="columns">The columns both tables share, the key first; <c>CreatedUtc</c> is kept on update.</param>
    protected PlatformUpsertLoader(
        StoreLocation location, TimeProvider time, Func<DbContextOptions<TContext>, TContext> create, string table, string staging, IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(columns);
        options = StoreContextFactory.CreateOptions<TContext>(location);
        Time = time;
        this.create = create;
        this.table = table;
        this.staging = staging;
        key = columns[0];
        Provider = location.Provider;
        bulkCopyType = location.Provider == StoreProvider.PostgreSql ? BulkCopyType.ProviderSpecific : BulkCopyType.MultipleRows;
        upsertSql = StagedUpsert.Sql(table, staging, columns);
    }

    /// <summary>Rows written by the last batch (inserted, changed or removed), for tests and the benchmark.</summary>
    public int LastBatchWrites { get; private set; }

    protected TimeProvider Time { get; }

    protected StoreProvider Provider { get; }

    /// <summary>The natural key of a record.</summary>
    protected abstract string KeyOf(TRecord record);

    /// <summary>The staging row of a record.</summary>
    protected abstract TStaging ToStaging(TRecord record, string batchId, DateTime now);

    /// <summary>The target key returned for a record (<c>schedule/{id}</c>).</summary>
    protected abstract string TargetKey(string key);

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<TRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var batchId = Guid.NewGuid().ToString("N");
        var now = Time.GetUtcNow().UtcDateTime;
        var rows = batch.Where(r => !r.Removal)
            .GroupBy(r => KeyOf(r.Item), StringComparer.Ordinal)
            .Select(g => ToStaging(g.Last().Item, batchId, now))
            .ToList();
        var removals = batch.Where(r => r.Removal).Select(r => KeyOf(r.Item)).Distinct(StringComparer.Ordinal).ToList();
        await WriteAsync(batchId, rows, removals, cancellationToken);
        return [.. batch.Select(r => LoadOutcome.Loaded(TargetKey(KeyOf(r.Item))))];
    }

    /// <summary>Bulk-copies the rows (all of <paramref name="batchId"/>) and upserts them, and deletes the removed keys, in one transaction.</summary>
    public async Task WriteAsync(string batchId, IEnumerable<TStaging> rows, IReadOnlyList<string> removals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(removals);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = CreateContext();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            var dbTransaction = transaction.GetDbTransaction();
            var writes = await StagedUpsert.RunAsync(db, bulkCopyType, rows, upsertSql, staging, batchId, dbTransaction, cancellationToken);

            foreach (var chunk in removals.Chunk(500))
            {
                var names = chunk.Select((_, i) => $"@k{i}").ToList();
                await using var delete = connection.Command(
                    $"DELETE FROM {table} WHERE \"{key}\" IN ({string.Join(", ", names)})", dbTransaction,
                    [.. chunk.Select((k, i) => ($"k{i}", (object?)k))]);
                writes += await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LastBatchWrites = writes;
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    internal TContext CreateContext() => create(options);
}

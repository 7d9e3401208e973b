using Dxmig.Contracts;
using Dxmig.Platform.Storage;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// What the platform-store loaders share: each batch is bulk-copied into a staging table (<see cref="BulkRows"/>:
/// PostgreSQL binary COPY written by <see cref="PgBinaryCopy{T}"/>; SQLite: linq2db's multi-row INSERT), then
/// upserted into the table by its natural key in one <c>INSERT … SELECT … ON CONFLICT</c> that leaves unchanged rows
/// alone (same content hash), and removals deleted by key, all in one transaction. Loading the same batch twice changes
/// nothing. A batch holds no per-row round trip.
/// </summary>
/// <typeparam name="TRecord">What the pipeline hands over.</typeparam>
/// <typeparam name="TStaging">A row of the staging table (with its <c>BatchId</c>).</typeparam>
/// <typeparam name="TEntity">A row of the table itself.</typeparam>
/// <typeparam name="TContext">The EF Core context that maps both tables.</typeparam>
/// <remarks>
/// First load: when the table is empty as the first batch arrives (a migration's first run), every record of the run is
/// new (the extractor lets one row per key through), so batches are bulk-copied straight into the table with no staging
/// and no upsert, as they come. A batch that meets a key already there (a batch sent again after a failure), or holds a
/// key twice, rolls back and the loader goes back to staging and upserting (the last record of a key wins) for the rest
/// of its life.
/// <para>
/// A keyed upsert (<see cref="IKeyedUpsertLoader"/>): a batch is one transaction of upserts and deletes by the records'
/// own keys, on the first-load path too (a batch sent again after a crash meets its keys, rolls back the straight copy
/// and is upserted), and the target key is made from the natural key alone; so a batch written twice leaves one row per
/// key and the same target keys, and on a SQLite ledger the runner writes no intent before it.
/// </para>
/// </remarks>
public abstract class PlatformUpsertLoader<TRecord, TStaging, TEntity, TContext> : ILoader<TRecord>, IKeyedUpsertLoader
    where TRecord : class
    where TStaging : class
    where TEntity : class
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
    private bool? direct;

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

    /// <summary>Every write is an upsert or delete by the record's natural key in one transaction per batch.</summary>
    public bool UpsertsByKey => true;

    /// <summary>Rows written by the last batch (inserted, changed or removed), for tests and the benchmark.</summary>
    public int LastBatchWrites { get; private set; }

    protected TimeProvider Time { get; }

    protected StoreProvider Provider { get; }

    /// <summary>The natural key of a record.</summary>
    protected abstract string KeyOf(TRecord record);

    /// <summary>The staging row of a record.</summary>
    protected abstract TStaging ToStaging(TRecord record, string batchId, DateTime now);

    /// <summary>The table's row of a record (first load: copied straight into the table).</summary>
    protected abstract TEntity ToEntity(TRecord record, DateTime now);

    /// <summary>The target key returned for a record (<c>schedule/{id}</c>).</summary>
    protected abstract string TargetKey(string key);

    /// <summary>True while batches go straight into the table (it was empty when the first batch came).</summary>
    public bool FirstLoad => direct == true;

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<TRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var batchId = Guid.NewGuid().ToString("N");
        var now = Time.GetUtcNow().UtcDateTime;
        var hasRemovals = batch.Any(r => r.Removal);

        // Straight in as they come: a key twice in the batch breaks the primary key, and the batch goes to staging, which keeps the last.
        if (hasRemovals || !await CopyStraightAsync(batch, now, cancellationToken))
        {
            var removals = hasRemovals ? batch.Where(r => r.Removal).Select(r => KeyOf(r.Item)).Distinct(StringComparer.Ordinal).ToList() : [];
            await WriteAsync(batchId, Latest(batch).Select(r => ToStaging(r, batchId, now)), removals, cancellationToken);
        }

        var outcomes = new LoadOutcome[batch.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var item = batch[i].Item;
            var loaded = LoadOutcome.Loaded(TargetKey(KeyOf(item)));
            outcomes[i] = NoteOf(item) is { } note ? loaded with { Note = note } : loaded;
        }

        return outcomes;
    }

    /// <summary>The batch's records that are not removals, the last of each key, in the order their keys first appear.</summary>
    private List<TRecord> Latest(IReadOnlyList<LoadRequest<TRecord>> batch)
    {
        var slots = new Dictionary<string, int>(batch.Count, StringComparer.Ordinal);
        var latest = new List<TRecord>(batch.Count);
        foreach (var request in batch)
        {
            if (request.Removal)
            {
                continue;
            }

            ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(slots, KeyOf(request.Item), out var seen);
            if (seen)
            {
                latest[slot] = request.Item;
            }
            else
            {
                slot = latest.Count;
                latest.Add(request.Item);
            }
        }

        return latest;
    }

    /// <summary>A note the ledger keeps with a loaded record (documents: their renames); null for none.</summary>
    protected virtual string? NoteOf(TRecord record) => null;

    /// <summary>First load only: the rows copied straight into the table; false when the table is (or has become) not empty.</summary>
    private async Task<bool> CopyStraightAsync(IReadOnlyList<LoadRequest<TRecord>> batch, DateTime now, CancellationToken cancellationToken)
    {
        if (direct == false)
        {
            return false;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var db = CreateContext();
            if (direct is null)
            {
                await db.Database.OpenConnectionAsync(cancellationToken);
                await using var probe = db.Database.GetDbConnection().Command($"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT 1) AS t", null);
                direct = Convert.ToInt64(await probe.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0;
                if (direct == false)
                {
                    return false;
                }
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                var copied = await BulkRows.CopyAsync(db, bulkCopyType, batch.Select(r => ToEntity(r.Item, now)), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                LastBatchWrites = (int)copied;
                return true;
            }
            catch (System.Data.Common.DbException ex) when (StoreErrors.IsUniqueViolation(ex))
            {
                // A key already there (a batch sent again after a failure), or twice in the batch: staging and upserting
                // from now on. Any other error (a NOT NULL, a check, a missing table) is not about keys and is thrown.
                await transaction.RollbackAsync(cancellationToken);
                direct = false;
                return false;
            }
        }
        finally
        {
            gate.Release();
        }
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

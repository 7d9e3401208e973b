using System.Diagnostics;
using Dxmig.Platform.Contracts;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Ledger;

/// <summary>
/// The ledger: per job and source item its hash, state and target key; checkpoints per container; runs and their
/// accounting; one lease per job. Backed by SQLite (WAL) or PostgreSQL. Thread-safe: accounts of one run share it.
/// </summary>
public sealed class JobLedger : IAsyncDisposable
{
    /// <summary>A lease whose heartbeat is older than this is taken over (its holder died).</summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(2);

    private readonly DbContextOptions<LedgerDbContext> options;
    private readonly TimeProvider time;

    // SQLite has one writer at a time; queueing here is cheaper than busy-waiting inside SQLite.
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly bool serializeWrites;

    private JobLedger(StoreLocation location, TimeProvider time)
    {
        Location = location;
        options = StoreContextFactory.CreateOptions<LedgerDbContext>(location);
        this.time = time;
        serializeWrites = location.Provider == StoreProvider.Sqlite;
    }

    public StoreLocation Location { get; }

    public static string NodeName => Environment.MachineName;

    /// <summary>Opens the ledger, creating its tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<JobLedger> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var ledger = new JobLedger(location, time);
        await using var db = ledger.Create();
        await SchemaBootstrap.EnsureAsync(db, LedgerDbContext.Component, LedgerDbContext.SchemaVersion, cancellationToken);
        return ledger;
    }

    /// <summary>
    /// Starts a run: takes the job's lease (unless <paramref name="dryRun"/>), marks runs of the job that died as
    /// interrupted, and records the new run.
    /// </summary>
    /// <exception cref="JobBusyException">A live process already runs this job.</exception>
    public async Task<LedgerRun> BeginRunAsync(string job, bool dryRun, CancellationToken cancellationToken)
    {
        var now = Now;
        var run = new LedgerRun
        {
            RunId = NewRunId(now),
            Job = job,
            Node = NodeName,
            ProcessId = Environment.ProcessId,
            DryRun = dryRun,
            StartedUtc = now,
            Outcome = RunOutcome.Running,
        };
        await WriteAsync(
            async db =>
            {
                await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
                if (!dryRun)
                {
                    await TakeLeaseAsync(db, run, cancellationToken);
                    var stale = await db.Runs
                        .Where(r => r.Job == job && r.Outcome == RunOutcome.Running && !r.DryRun)
                        .ToListAsync(cancellationToken);
                    foreach (var old in stale)
                    {
                        old.Outcome = RunOutcome.Interrupted;
                        old.Message = "プロセスが途中で終了しました。次の実行が続きを処理します / the process ended mid-run; a later run resumed it";
                    }
                }

                db.Runs.Add(run);
                await db.SaveChangesAsync(cancellationToken);
                await tx.CommitAsync(cancellationToken);
            },
            cancellationToken);
        return run;
    }

    /// <summary>Refreshes the run's lease so no other process takes it over.</summary>
    public Task HeartbeatAsync(LedgerRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.DryRun)
        {
            return Task.CompletedTask;
        }

        var now = Now;
        return WriteAsync(
            db => db.Leases.Where(l => l.Job == run.Job && l.RunId == run.RunId)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.HeartbeatUtc, now), cancellationToken),
            cancellationToken);
    }

    /// <summary>What the ledger holds for these items of one account.</summary>
    public async Task<IReadOnlyDictionary<ItemRef, LedgerItem>> LookupAsync(
        string job, string account, IReadOnlyCollection<ItemRef> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return new Dictionary<ItemRef, LedgerItem>();
        }

        await using var db = Create();
        var rows = await QueryAsync(db, job, account, items, cancellationToken);
        return rows;
    }

    /// <summary>
    /// Writes items' states in one transaction: one upsert per item by (job, account, container, native id), in plain
    /// SQL that SQLite and PostgreSQL share (<c>INSERT … ON CONFLICT … DO UPDATE</c>), so no row is read first.
    /// A pending write keeps the target key already known and counts an attempt.
    /// </summary>
    public Task WriteItemsAsync(string job, string runId, string account, IReadOnlyList<ItemWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(
            async db =>
            {
                var now = Now;
                var connection = db.Database.GetDbConnection();
                await db.Database.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (connection.CanCreateBatch)
                {
                    await using var batch = connection.CreateBatch();
                    batch.Transaction = transaction;
                    foreach (var write in writes)
                    {
                        var command = batch.CreateBatchCommand();
                        command.CommandText = UpsertSql;
                        Bind(command.Parameters, command.CreateParameter, job, runId, account, write, now);
                        batch.BatchCommands.Add(command);
                    }

                    await batch.ExecuteNonQueryAsync(cancellationToken);
                }
                else
                {
                    await using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = UpsertSql;
                    foreach (var write in writes)
                    {
                        command.Parameters.Clear();
                        Bind(command.Parameters, command.CreateParameter, job, runId, account, write, now);
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                await transaction.CommitAsync(cancellationToken);
            },
            cancellationToken);
    }

    public async Task<Checkpoint?> GetCheckpointAsync(string job, string account, string container, CancellationToken cancellationToken)
    {
        await using var db = Create();
        var row = await db.Checkpoints.AsNoTracking()
            .SingleOrDefaultAsync(c => c.Job == job && c.Account == account && c.Container == container, cancellationToken);
        return row is null ? null : new Checkpoint(row.Container, row.UidValidity, row.HighestUid, row.HighestModSeq, row.Cursor);
    }

    public Task SaveCheckpointAsync(string job, string account, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return WriteAsync(
            async db =>
            {
                var row = await db.Checkpoints
                    .SingleOrDefaultAsync(c => c.Job == job && c.Account == account && c.Container == checkpoint.Container, cancellationToken);
                if (row is null)
                {
                    row = new LedgerCheckpoint { Job = job, Account = account, Container = checkpoint.Container };
                    db.Checkpoints.Add(row);
                }

                row.UidValidity = checkpoint.UidValidity;
                row.HighestUid = checkpoint.HighestUid;
                row.HighestModSeq = checkpoint.HighestModSeq;
                row.Cursor = checkpoint.Cursor;
                row.UpdatedUtc = Now;
                await db.SaveChangesAsync(cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>How many items of the account this run wrote, per state: the ledger's side of the accounting.</summary>
    public async Task<IReadOnlyDictionary<ItemState, long>> CountRunItemsAsync(
        string job, string runId, string account, CancellationToken cancellationToken)
    {
        await using var db = Create();
        var counts = await db.Items.AsNoTracking()
            .Where(i => i.Job == job && i.LastRunId == runId && i.Account == account)
            .GroupBy(i => i.State)
            .Select(g => new { State = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        return counts.ToDictionary(c => c.State, c => c.Count);
    }

    public Task RecordAccountAsync(LedgerRunAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        return WriteAsync(
            async db =>
            {
                db.RunAccounts.Add(account);
                await db.SaveChangesAsync(cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>Records the run's end and releases the job's lease.</summary>
    public Task CompleteRunAsync(LedgerRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.EndedUtc = Now;
        return WriteAsync(
            async db =>
            {
                db.Runs.Update(run);
                await db.Leases.Where(l => l.Job == run.Job && l.RunId == run.RunId).ExecuteDeleteAsync(cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>The newest runs, of one job or of all.</summary>
    public async Task<IReadOnlyList<LedgerRun>> RecentRunsAsync(string? job, int count, CancellationToken cancellationToken)
    {
        await using var db = Create();
        var query = db.Runs.AsNoTracking();
        if (job is not null)
        {
            query = query.Where(r => r.Job == job);
        }

        return await query.OrderByDescending(r => r.StartedUtc).Take(count).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LedgerRunAccount>> RunAccountsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var db = Create();
        return await db.RunAccounts.AsNoTracking().Where(a => a.RunId == runId).OrderBy(a => a.Account).ToListAsync(cancellationToken);
    }

    /// <summary>The loaded items of one container, in id order, read in pages so a large folder is never held whole.</summary>
    public async IAsyncEnumerable<LedgerItem> ListLoadedAsync(
        string job, string account, string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int Page = 2000;
        var after = 0L;
        while (true)
        {
            List<LedgerItem> page;
            await using (var db = Create())
            {
                page = await db.Items.AsNoTracking()
                    .Where(i => i.Job == job && i.Account == account && i.Container == container && i.State == ItemState.Loaded && i.Id > after)
                    .OrderBy(i => i.Id)
                    .Take(Page)
                    .ToListAsync(cancellationToken);
            }

            foreach (var item in page)
            {
                yield return item;
            }

            if (page.Count < Page)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>Items of a job now in a state, newest first (quarantine lists, reports).</summary>
    public async Task<IReadOnlyList<LedgerItem>> ItemsInStateAsync(string job, ItemState state, int max, CancellationToken cancellationToken)
    {
        await using var db = Create();
        return await db.Items.AsNoTracking()
            .Where(i => i.Job == job && i.State == state)
            .OrderBy(i => i.Account).ThenBy(i => i.Container).ThenBy(i => i.Id)
            .Take(max)
            .ToListAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        writeGate.Dispose();
        if (Location.Provider == StoreProvider.Sqlite)
        {
            // Release pooled handles so the file can be moved or deleted once the run ends.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        await Task.CompletedTask;
    }

    internal LedgerDbContext Create() => new(options);

    private const string UpsertSql = """
        INSERT INTO ledger_items ("Job", "System", "Account", "Container", "NativeId", "Version", "ContentHash", "Size", "State", "Code",
                                  "Message", "Location", "TargetKey", "FirstRunId", "LastRunId", "Attempts", "CreatedUtc", "UpdatedUtc")
        VALUES (@job, @system, @account, @container, @native, @version, @hash, @size, @state, @code,
                @message, @location, @target, @run, @run, @attempts, @now, @now)
        ON CONFLICT ("Job", "Account", "Container", "NativeId") DO UPDATE SET
            "System" = excluded."System", "Version" = excluded."Version", "ContentHash" = excluded."ContentHash",
            "Size" = excluded."Size", "State" = excluded."State", "Code" = excluded."Code", "Message" = excluded."Message",
            "Location" = excluded."Location",
            "TargetKey" = CASE WHEN excluded."State" = 'Pending' THEN ledger_items."TargetKey" ELSE excluded."TargetKey" END,
            "LastRunId" = excluded."LastRunId", "Attempts" = ledger_items."Attempts" + excluded."Attempts",
            "UpdatedUtc" = excluded."UpdatedUtc"
        """;

    private static void Bind(
        System.Data.Common.DbParameterCollection parameters, Func<System.Data.Common.DbParameter> create,
        string job, string runId, string account, ItemWrite write, DateTime now)
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }

        Add("job", job);
        Add("system", write.Key.System);
        Add("account", account);
        Add("container", write.Key.Container);
        Add("native", write.Key.NativeId);
        Add("version", write.Key.Version);
        Add("hash", write.ContentHash);
        Add("size", write.Size);
        Add("state", write.State.ToString());
        Add("code", write.Code);
        Add("message", write.Message);
        Add("location", write.Location);
        Add("target", write.TargetKey);
        Add("run", runId);
        Add("attempts", write.State == ItemState.Pending ? 1 : 0);
        Add("now", now);
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static string NewRunId(DateTime now) =>
        $"{now:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task<Dictionary<ItemRef, LedgerItem>> QueryAsync(
        LedgerDbContext db, string job, string account, IReadOnlyCollection<ItemRef> items, CancellationToken cancellationToken)
    {
        var ids = items.Select(i => i.NativeId).Distinct().ToList();
        var wanted = items.ToHashSet();
        var rows = await db.Items.AsNoTracking()
            .Where(i => i.Job == job && i.Account == account && ids.Contains(i.NativeId))
            .ToListAsync(cancellationToken);
        var result = new Dictionary<ItemRef, LedgerItem>();
        foreach (var row in rows)
        {
            var key = new ItemRef(row.Container, row.NativeId);
            if (wanted.Contains(key))
            {
                result[key] = row;
            }
        }

        return result;
    }

    private async Task TakeLeaseAsync(LedgerDbContext db, LedgerRun run, CancellationToken cancellationToken)
    {
        var lease = await db.Leases.SingleOrDefaultAsync(l => l.Job == run.Job, cancellationToken);
        if (lease is not null && IsAlive(lease))
        {
            throw new JobBusyException(
                $"ジョブ {run.Job} は {lease.Node} のプロセス {lease.ProcessId} が実行中です (実行 {lease.RunId}) / " +
                $"job {run.Job} is being run by process {lease.ProcessId} on {lease.Node} (run {lease.RunId})");
        }

        if (lease is null)
        {
            db.Leases.Add(new JobLease { Job = run.Job, RunId = run.RunId, Node = run.Node, ProcessId = run.ProcessId, HeartbeatUtc = run.StartedUtc });
        }
        else
        {
            lease.RunId = run.RunId;
            lease.Node = run.Node;
            lease.ProcessId = run.ProcessId;
            lease.HeartbeatUtc = run.StartedUtc;
        }
    }

    private bool IsAlive(JobLease lease)
    {
        if (Now - lease.HeartbeatUtc > LeaseTimeout)
        {
            return false;
        }

        if (lease.Node != NodeName)
        {
            return true;
        }

        if (lease.ProcessId == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(lease.ProcessId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task WriteAsync(Func<LedgerDbContext, Task> write, CancellationToken cancellationToken)
    {
        if (serializeWrites)
        {
            await writeGate.WaitAsync(cancellationToken);
        }

        try
        {
            await using var db = Create();
            await write(db);
        }
        finally
        {
            if (serializeWrites)
            {
                writeGate.Release();
            }
        }
    }
}

using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Ledger;

/// <summary>
/// The ledger: per job and source item its hash, state and target key; checkpoints per container; runs and their
/// accounting; one lease per job. Backed by SQLite (WAL) or PostgreSQL. Its tables are defined by
/// <see cref="LedgerDbContext"/> (EF Core creates them), but every read and write on a run's path is plain SQL that
/// both engines share, so a run pays for no EF model building or query compilation. Thread-safe: accounts of one run
/// share it.
/// </summary>
public sealed partial class JobLedger : IAsyncDisposable
{
    /// <summary>PostgreSQL ends a session idle this long inside one of the ledger's transactions (its client frozen or gone).</summary>
    public static readonly TimeSpan IdleInTransactionLimit = TimeSpan.FromSeconds(10);

    /// <summary>A lease whose heartbeat is older than this is taken over (its holder died).</summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(2);

    private const string ItemColumns =
        "\"Id\", \"Job\", \"System\", \"Account\", \"Container\", \"NativeId\", \"Version\", \"ContentHash\", \"Size\", \"State\", \"Code\", " +
        "\"Message\", \"Location\", \"TargetKey\", \"FirstRunId\", \"LastRunId\", \"Attempts\", \"CreatedUtc\", \"UpdatedUtc\"";

    private const string RunColumns =
        "\"RunId\", \"Job\", \"Node\", \"ProcessId\", \"DryRun\", \"StartedUtc\", \"EndedUtc\", \"Outcome\", \"Seen\", \"Loaded\", \"Skipped\", " +
        "\"Quarantined\", \"AlreadyDone\", \"Removed\", \"Bytes\", \"AccountsFailed\", \"Warnings\", \"Message\"";

    private const string RunAccountColumns =
        "\"RunId\", \"Account\", \"Outcome\", \"Seen\", \"Loaded\", \"Skipped\", \"Quarantined\", \"AlreadyDone\", \"Removed\", \"Bytes\", \"Message\", \"Warnings\"";

    private readonly TimeProvider time;

    // SQLite has one writer at a time; queueing here is cheaper than busy-waiting inside SQLite.
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly bool serializeWrites;
    private bool clusterSchemaReady;

    private JobLedger(StoreLocation location, TimeProvider time)
    {
        // PostgreSQL: a process frozen (SIGSTOP, a long pause) inside a transaction must not keep its row locks, or no
        // other node could take its accounts over; the server ends a ledger session idle this long inside a transaction.
        Location = location.WithSessionSetting(
            "idle_in_transaction_session_timeout", ((int)IdleInTransactionLimit.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
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
        await using var connection = await StoreConnections.OpenAsync(location, cancellationToken);
        await SchemaBootstrap.EnsureAsync(
            connection,
            location.Provider == StoreProvider.Sqlite,
            () =>
            {
                using var db = ledger.Create();
                return db.Database.GenerateCreateScript();
            },
            LedgerDbContext.Component,
            LedgerDbContext.SchemaVersion,
            cancellationToken);
        return ledger;
    }

    /// <summary>
    /// Starts a run: takes the job's lease (unless <paramref name="dryRun"/>), marks runs of the job that died as
    /// interrupted, and records the new run.
    /// </summary>
    /// <exception cref="JobBusyException">A live process already runs this job.</exception>
    public async Task<LedgerRun> BeginRunAsync(string job, bool dryRun, CancellationToken cancellationToken, string? node = null)
    {
        var now = Now;
        var run = new LedgerRun
        {
            RunId = NewRunId(now),
            Job = job,
            Node = node ?? NodeName,
            ProcessId = Environment.ProcessId,
            DryRun = dryRun,
            StartedUtc = now,
            Outcome = RunOutcome.Running,
        };
        await WriteAsync(
            async (connection, transaction) =>
            {
                if (!dryRun)
                {
                    await TakeLeaseAsync(connection, transaction, run, cancellationToken);
                    await using var stale = connection.Command(
                        "UPDATE ledger_runs SET \"Outcome\" = @interrupted, \"Message\" = @message WHERE \"Job\" = @job AND \"Outcome\" = @running AND \"DryRun\" = @dry",
                        transaction,
                        ("interrupted", nameof(RunOutcome.Interrupted)),
                        ("message", "プロセスが途中で終了しました。次の実行が続きを処理します / the process ended mid-run; a later run resumed it"),
                        ("job", job),
                        ("running", nameof(RunOutcome.Running)),
                        ("dry", false));
                    await stale.ExecuteNonQueryAsync(cancellationToken);
                }

                await InsertRunAsync(connection, transaction, run, cancellationToken);
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
            async (connection, transaction) =>
            {
                await using var command = connection.Command(
                    "UPDATE ledger_job_leases SET \"HeartbeatUtc\" = @now WHERE \"Job\" = @job AND \"RunId\" = @run", transaction,
                    ("now", now), ("job", run.Job), ("run", run.RunId));
                await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>What the ledger holds for these items of one account.</summary>
    public async Task<IReadOnlyDictionary<ItemRef, LedgerItem>> LookupAsync(
        string job, string account, IReadOnlyCollection<ItemRef> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new Dictionary<ItemRef, LedgerItem>();
        if (items.Count == 0)
        {
            return result;
        }

        var wanted = items.ToHashSet();
        var ids = items.Select(i => i.NativeId).Distinct().ToList();
        if (Location.Provider == StoreProvider.Sqlite)
        {
            // One parameter for the whole batch (a JSON array the query unpacks), not one per id: SQLite finds a
            // named parameter by walking the statement's list, so 500 of them cost 500 walks of 500 names per batch.
            var rows = await QueryAsync(
                $"SELECT {ItemColumns} FROM ledger_items WHERE \"Job\" = @job AND \"Account\" = @account AND \"NativeId\" IN (SELECT value FROM json_each(@ids))",
                ReadItem,
                cancellationToken,
                ("@job", job), ("@account", account), ("@ids", System.Text.Json.JsonSerializer.Serialize(ids, LedgerJson.Default.ListString)));
            foreach (var row in rows.Where(r => wanted.Contains(new ItemRef(r.Container, r.NativeId))))
            {
                result[new ItemRef(row.Container, row.NativeId)] = row;
            }

            return result;
        }

        foreach (var chunk in ids.Chunk(500))
        {
            var parameters = new List<(string, object?)> { ("job", job), ("account", account) };
            parameters.AddRange(chunk.Select((id, i) => ($"n{i}", (object?)id)));
            var rows = await QueryAsync(
                $"SELECT {ItemColumns} FROM ledger_items WHERE \"Job\" = @job AND \"Account\" = @account AND \"NativeId\" IN ({string.Join(", ", chunk.Select((_, i) => $"@n{i}"))})",
                ReadItem,
                cancellationToken,
                [.. parameters]);
            foreach (var row in rows.Where(r => wanted.Contains(new ItemRef(r.Container, r.NativeId))))
            {
                result[new ItemRef(row.Container, row.NativeId)] = row;
            }
        }

        return result;
    }

    /// <summary>
    /// Writes items' states in one transaction: one upsert per item by (job, account, container, native id), in plain
    /// SQL that SQLite and PostgreSQL share (<c>INSERT … ON CONFLICT … DO UPDATE</c>), so no row is read first;
    /// on PostgreSQL one statement for the whole batch (JobLedger.Postgres.cs).
    /// A pending write keeps the target key already known and counts an attempt.
    /// </summary>
    /// <exception cref="LeaseLostException">In a cluster run: <paramref name="lease"/> is no longer this process's; nothing was written.</exception>
    public Task WriteItemsAsync(
        string job, string runId, string account, IReadOnlyList<ItemWrite> writes, CancellationToken cancellationToken, AccountLease? lease = null)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(
            async (connection, transaction) =>
            {
                var now = Now;
                if (WritesAsOneStatement(connection, writes))
                {
                    await WriteItemsAsOneStatementAsync(connection, transaction, job, runId, account, writes, now, cancellationToken);
                }
                else if (connection.CanCreateBatch)
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
                    // SQLite: one prepared statement, its parameters made once and re-bound per row. Their names carry
                    // the "@" of the SQL, so the driver finds each with one look-up instead of trying every prefix.
                    await using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = UpsertSql;
                    Bind(command.Parameters, command.CreateParameter, job, runId, account, writes[0], now, "@");
                    command.Prepare();
                    var parameters = command.Parameters;
                    foreach (var write in writes)
                    {
                        Rebind(parameters, write);
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            },
            cancellationToken,
            lease);
    }

    public async Task<Checkpoint?> GetCheckpointAsync(string job, string account, string container, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT \"UidValidity\", \"HighestUid\", \"HighestModSeq\", \"Cursor\" FROM ledger_checkpoints WHERE \"Job\" = @job AND \"Account\" = @account AND \"Container\" = @container",
            reader => new Checkpoint(container, NullableLong(reader, 0), NullableLong(reader, 1), NullableLong(reader, 2), reader.IsDBNull(3) ? null : reader.GetString(3)),
            cancellationToken,
            ("job", job), ("account", account), ("container", container));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <exception cref="LeaseLostException">In a cluster run: <paramref name="lease"/> is no longer this process's; nothing was written.</exception>
    public Task SaveCheckpointAsync(string job, string account, Checkpoint checkpoint, CancellationToken cancellationToken, AccountLease? lease = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var now = Now;
        return WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = connection.Command(
                    "INSERT INTO ledger_checkpoints (\"Job\", \"Account\", \"Container\", \"UidValidity\", \"HighestUid\", \"HighestModSeq\", \"Cursor\", \"UpdatedUtc\") " +
                    "VALUES (@job, @account, @container, @validity, @uid, @modseq, @cursor, @now) " +
                    "ON CONFLICT (\"Job\", \"Account\", \"Container\") DO UPDATE SET \"UidValidity\" = excluded.\"UidValidity\", " +
                    "\"HighestUid\" = excluded.\"HighestUid\", \"HighestModSeq\" = excluded.\"HighestModSeq\", \"Cursor\" = excluded.\"Cursor\", \"UpdatedUtc\" = excluded.\"UpdatedUtc\"",
                    transaction,
                    ("job", job), ("account", account), ("container", checkpoint.Container), ("validity", checkpoint.UidValidity),
                    ("uid", checkpoint.HighestUid), ("modseq", checkpoint.HighestModSeq), ("cursor", checkpoint.Cursor), ("now", now));
                await command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken,
            lease);
    }

    /// <summary>How many items of the account this run wrote, per state: the ledger's side of the accounting.</summary>
    public async Task<IReadOnlyDictionary<ItemState, long>> CountRunItemsAsync(
        string job, string runId, string account, CancellationToken cancellationToken)
    {
        var counts = await QueryAsync(
            "SELECT \"State\", COUNT(*) FROM ledger_items WHERE \"Job\" = @job AND \"LastRunId\" = @run AND \"Account\" = @account GROUP BY \"State\"",
            reader => (State: Enum.Parse<ItemState>(reader.GetString(0)), Count: Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
            cancellationToken,
            ("job", job), ("run", runId), ("account", account));
        return counts.ToDictionary(c => c.State, c => c.Count);
    }

    public Task RecordAccountAsync(LedgerRunAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        return WriteAsync(
            (connection, transaction) => InsertRunAccountAsync(connection, transaction, account, cancellationToken),
            cancellationToken);
    }

    /// <summary>Records the run's end and releases the job's lease.</summary>
    public Task CompleteRunAsync(LedgerRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.EndedUtc = Now;
        return WriteAsync(
            async (connection, transaction) =>
            {
                await EndRunAsync(connection, transaction, run, cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>The newest runs, of one job or of all.</summary>
    public async Task<IReadOnlyList<LedgerRun>> RecentRunsAsync(string? job, int count, CancellationToken cancellationToken) =>
        job is null
            ? await QueryAsync($"SELECT {RunColumns} FROM ledger_runs ORDER BY \"StartedUtc\" DESC LIMIT @count", ReadRun, cancellationToken, ("count", count))
            : await QueryAsync($"SELECT {RunColumns} FROM ledger_runs WHERE \"Job\" = @job ORDER BY \"StartedUtc\" DESC LIMIT @count", ReadRun, cancellationToken, ("job", job), ("count", count));

    /// <summary>
    /// The leases held by live runs ("running now"): a lease whose heartbeat is older than <see cref="LeaseTimeout"/>,
    /// or whose process on this machine is gone, is left out.
    /// </summary>
    public async Task<IReadOnlyList<JobLease>> LiveLeasesAsync(string? job, CancellationToken cancellationToken)
    {
        var leases = await QueryAsync(
            "SELECT \"Job\", \"RunId\", \"Node\", \"ProcessId\", \"HeartbeatUtc\" FROM ledger_job_leases" +
            (job is null ? string.Empty : " WHERE \"Job\" = @job") + " ORDER BY \"Job\"",
            reader => new JobLease
            {
                Job = reader.GetString(0),
                RunId = reader.GetString(1),
                Node = reader.GetString(2),
                ProcessId = Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
                HeartbeatUtc = Utc(reader.GetDateTime(4)),
            },
            cancellationToken,
            job is null ? [] : [("job", job)]);
        return [.. leases.Where(IsAlive)];
    }

    public async Task<IReadOnlyList<LedgerRunAccount>> RunAccountsAsync(string runId, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {RunAccountColumns} FROM ledger_run_accounts WHERE \"RunId\" = @run ORDER BY \"Account\"", ReadRunAccount, cancellationToken, ("run", runId));

    /// <summary>The loaded items of one container, in id order, read in pages so a large folder is never held whole.</summary>
    public async IAsyncEnumerable<LedgerItem> ListLoadedAsync(
        string job, string account, string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int Page = 2000;
        var after = 0L;
        while (true)
        {
            var page = await QueryAsync(
                $"SELECT {ItemColumns} FROM ledger_items WHERE \"Job\" = @job AND \"Account\" = @account AND \"Container\" = @container AND \"State\" = @state AND \"Id\" > @after ORDER BY \"Id\" LIMIT @page",
                ReadItem,
                cancellationToken,
                ("job", job), ("account", account), ("container", container), ("state", nameof(ItemState.Loaded)), ("after", after), ("page", Page));
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

    /// <summary>Items of a job now in a state (quarantine lists, reports), by account, container and id.</summary>
    public Task<List<LedgerItem>> ItemsInStateAsync(string job, ItemState state, int max, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {ItemColumns} FROM ledger_items WHERE \"Job\" = @job AND \"State\" = @state ORDER BY \"Account\", \"Container\", \"Id\" LIMIT @max",
            ReadItem,
            cancellationToken,
            ("job", job), ("state", state.ToString()), ("max", max));

    /// <summary>Every item of one account in every state (reconciliation puts them beside the source and the target).</summary>
    public Task<List<LedgerItem>> AccountItemsAsync(string job, string account, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {ItemColumns} FROM ledger_items WHERE \"Job\" = @job AND \"Account\" = @account ORDER BY \"Id\"",
            ReadItem,
            cancellationToken,
            ("job", job), ("account", account));

    /// <summary>The accounts of a job holding items of a container in the loaded state (what a target should still hold), in order.</summary>
    public Task<List<string>> AccountsWithLoadedAsync(string job, string container, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT DISTINCT \"Account\" FROM ledger_items WHERE \"Job\" = @job AND \"Container\" = @container AND \"State\" = @state ORDER BY \"Account\"",
            reader => reader.GetString(0),
            cancellationToken,
            ("job", job), ("container", container), ("state", nameof(ItemState.Loaded)));

    /// <summary>Bytes a run loaded, per batch (items of one batch share their update time), in time order.</summary>
    public Task<List<(DateTime Utc, long Items, long Bytes)>> LoadedTimelineAsync(string job, string runId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT \"UpdatedUtc\", COUNT(*), SUM(\"Size\") FROM ledger_items WHERE \"Job\" = @job AND \"LastRunId\" = @run AND \"State\" = @state " +
            "GROUP BY \"UpdatedUtc\" ORDER BY \"UpdatedUtc\"",
            reader => (Utc(reader.GetDateTime(0)), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
            cancellationToken,
            ("job", job), ("run", runId), ("state", nameof(ItemState.Loaded)));

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

    /// <summary>An EF Core context over the same tables (schema creation, tests).</summary>
    internal LedgerDbContext Create() => new(StoreContextFactory.CreateOptions<LedgerDbContext>(Location));

    private const string UpsertSql = """
        INSERT INTO ledger_items ("Job", "System", "Account", "Container", "NativeId", "Version", "ContentHash", "Size", "State", "Code",
                                  "Message", "Location", "TargetKey", "FirstRunId", "LastRunId", "Attempts", "CreatedUtc", "UpdatedUtc")
        VALUES (@job, @system, @account, @container, @native, @version, @hash, @size, @state, @code,
                @message, @location, @target, @run, @run, @attempts, @now, @now)
        """ + "\n" + UpsertConflictSql;

    /// <summary>
    /// The one rule when an item is written again, shared by the per-item and the PostgreSQL batch statements: the new
    /// values win, except that a pending write keeps the target key already known, and the attempts add up.
    /// </summary>
    private const string UpsertConflictSql = """
        ON CONFLICT ("Job", "Account", "Container", "NativeId") DO UPDATE SET
            "System" = excluded."System", "Version" = excluded."Version", "ContentHash" = excluded."ContentHash",
            "Size" = excluded."Size", "State" = excluded."State", "Code" = excluded."Code", "Message" = excluded."Message",
            "Location" = excluded."Location",
            "TargetKey" = CASE WHEN excluded."State" = 'Pending' THEN ledger_items."TargetKey" ELSE excluded."TargetKey" END,
            "LastRunId" = excluded."LastRunId", "Attempts" = ledger_items."Attempts" + excluded."Attempts",
            "UpdatedUtc" = excluded."UpdatedUtc"
        """;

    /// <summary>Sets the per-item values of parameters made by <see cref="Bind"/> (positions 1, 3-12 and 14).</summary>
    private static void Rebind(System.Data.Common.DbParameterCollection parameters, ItemWrite write)
    {
        parameters[1].Value = (object?)write.Key.System ?? DBNull.Value;
        parameters[3].Value = (object?)write.Key.Container ?? DBNull.Value;
        parameters[4].Value = (object?)write.Key.NativeId ?? DBNull.Value;
        parameters[5].Value = (object?)write.Key.Version ?? DBNull.Value;
        parameters[6].Value = (object?)write.ContentHash ?? DBNull.Value;
        parameters[7].Value = write.Size;
        parameters[8].Value = write.State.ToString();
        parameters[9].Value = (object?)write.Code ?? DBNull.Value;
        parameters[10].Value = (object?)write.Message ?? DBNull.Value;
        parameters[11].Value = (object?)write.Location ?? DBNull.Value;
        parameters[12].Value = (object?)write.TargetKey ?? DBNull.Value;
        parameters[14].Value = write.State == ItemState.Pending ? 1 : 0;
    }

    private static void Bind(
        System.Data.Common.DbParameterCollection parameters, Func<System.Data.Common.DbParameter> create,
        string job, string runId, string account, ItemWrite write, DateTime now, string prefix = "")
    {
        void Add(string name, object? value)
        {
            var parameter = create();
            parameter.ParameterName = prefix + name;
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

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static long? NullableLong(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static LedgerRun ReadRun(DbDataReader reader) => new()
    {
        RunId = reader.GetString(0),
        Job = reader.GetString(1),
        Node = reader.GetString(2),
        ProcessId = Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
        DryRun = reader.GetBoolean(4),
        StartedUtc = Utc(reader.GetDateTime(5)),
        EndedUtc = reader.IsDBNull(6) ? null : Utc(reader.GetDateTime(6)),
        Outcome = Enum.Parse<RunOutcome>(reader.GetString(7)),
        Seen = reader.GetInt64(8),
        Loaded = reader.GetInt64(9),
        Skipped = reader.GetInt64(10),
        Quarantined = reader.GetInt64(11),
        AlreadyDone = reader.GetInt64(12),
        Removed = reader.GetInt64(13),
        Bytes = reader.GetInt64(14),
        AccountsFailed = Convert.ToInt32(reader.GetValue(15), CultureInfo.InvariantCulture),
        Warnings = Convert.ToInt32(reader.GetValue(16), CultureInfo.InvariantCulture),
        Message = reader.IsDBNull(17) ? null : reader.GetString(17),
    };

    private static LedgerRunAccount ReadRunAccount(DbDataReader reader) => new()
    {
        RunId = reader.GetString(0),
        Account = reader.GetString(1),
        Outcome = Enum.Parse<RunOutcome>(reader.GetString(2)),
        Seen = reader.GetInt64(3),
        Loaded = reader.GetInt64(4),
        Skipped = reader.GetInt64(5),
        Quarantined = reader.GetInt64(6),
        AlreadyDone = reader.GetInt64(7),
        Removed = reader.GetInt64(8),
        Bytes = reader.GetInt64(9),
        Message = reader.IsDBNull(10) ? null : reader.GetString(10),
        Warnings = reader.IsDBNull(11) ? null : reader.GetString(11),
    };

    private static LedgerItem ReadItem(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Job = reader.GetString(1),
        System = reader.GetString(2),
        Account = reader.GetString(3),
        Container = reader.GetString(4),
        NativeId = reader.GetString(5),
        Version = reader.GetString(6),
        ContentHash = reader.GetString(7),
        Size = reader.GetInt64(8),
        State = Enum.Parse<ItemState>(reader.GetString(9)),
        Code = reader.IsDBNull(10) ? null : reader.GetString(10),
        Message = reader.IsDBNull(11) ? null : reader.GetString(11),
        Location = reader.IsDBNull(12) ? null : reader.GetString(12),
        TargetKey = reader.IsDBNull(13) ? null : reader.GetString(13),
        FirstRunId = reader.GetString(14),
        LastRunId = reader.GetString(15),
        Attempts = Convert.ToInt32(reader.GetValue(16), CultureInfo.InvariantCulture),
        CreatedUtc = Utc(reader.GetDateTime(17)),
        UpdatedUtc = Utc(reader.GetDateTime(18)),
    };

    /// <summary>One query, each row mapped, on a connection of its own.</summary>
    private async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
        return await QueryOn(connection, null, sql, map, cancellationToken, parameters);
    }

    private async Task TakeLeaseAsync(DbConnection connection, DbTransaction transaction, LedgerRun run, CancellationToken cancellationToken)
    {
        JobLease? lease = null;
        await using (var query = connection.Command(
            "SELECT \"RunId\", \"Node\", \"ProcessId\", \"HeartbeatUtc\" FROM ledger_job_leases WHERE \"Job\" = @job", transaction, ("job", run.Job)))
        await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                lease = new JobLease
                {
                    Job = run.Job,
                    RunId = reader.GetString(0),
                    Node = reader.GetString(1),
                    ProcessId = Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture),
                    HeartbeatUtc = Utc(reader.GetDateTime(3)),
                };
            }
        }

        if (lease is not null && IsAlive(lease))
        {
            throw new JobBusyException(
                $"ジョブ {run.Job} は {lease.Node} のプロセス {lease.ProcessId} が実行中です (実行 {lease.RunId}) / " +
                $"job {run.Job} is being run by process {lease.ProcessId} on {lease.Node} (run {lease.RunId})");
        }

        await using var write = connection.Command(
            lease is null
                ? "INSERT INTO ledger_job_leases (\"Job\", \"RunId\", \"Node\", \"ProcessId\", \"HeartbeatUtc\") VALUES (@job, @run, @node, @pid, @now)"
                : "UPDATE ledger_job_leases SET \"RunId\" = @run, \"Node\" = @node, \"ProcessId\" = @pid, \"HeartbeatUtc\" = @now WHERE \"Job\" = @job",
            transaction,
            ("job", run.Job), ("run", run.RunId), ("node", run.Node), ("pid", run.ProcessId), ("now", run.StartedUtc));
        await write.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task InsertRunAsync(DbConnection connection, DbTransaction transaction, LedgerRun run, CancellationToken cancellationToken) =>
        Execute(connection, transaction,
            $"INSERT INTO ledger_runs ({RunColumns}) VALUES (@run, @job, @node, @pid, @dry, @started, NULL, @outcome, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL)",
            cancellationToken,
            ("run", run.RunId), ("job", run.Job), ("node", run.Node), ("pid", run.ProcessId), ("dry", run.DryRun), ("started", run.StartedUtc),
            ("outcome", nameof(RunOutcome.Running)));

    private static Task InsertRunAccountAsync(DbConnection connection, DbTransaction transaction, LedgerRunAccount account, CancellationToken cancellationToken) =>
        Execute(connection, transaction,
            $"INSERT INTO ledger_run_accounts ({RunAccountColumns}) VALUES (@run, @account, @outcome, @seen, @loaded, @skipped, @quarantined, @done, @removed, @bytes, @message, @warnings)",
            cancellationToken,
            ("run", account.RunId), ("account", account.Account), ("outcome", account.Outcome.ToString()), ("seen", account.Seen),
            ("loaded", account.Loaded), ("skipped", account.Skipped), ("quarantined", account.Quarantined), ("done", account.AlreadyDone),
            ("removed", account.Removed), ("bytes", account.Bytes), ("message", account.Message), ("warnings", account.Warnings));

    /// <summary>Records the run's end and accounting, and releases the job's lease.</summary>
    private static async Task EndRunAsync(DbConnection connection, DbTransaction transaction, LedgerRun run, CancellationToken cancellationToken)
    {
        await Execute(connection, transaction,
            "UPDATE ledger_runs SET \"EndedUtc\" = @ended, \"Outcome\" = @outcome, \"Seen\" = @seen, \"Loaded\" = @loaded, \"Skipped\" = @skipped, " +
            "\"Quarantined\" = @quarantined, \"AlreadyDone\" = @done, \"Removed\" = @removed, \"Bytes\" = @bytes, \"AccountsFailed\" = @failed, " +
            "\"Warnings\" = @warnings, \"Message\" = @message WHERE \"RunId\" = @run",
            cancellationToken,
            ("ended", run.EndedUtc), ("outcome", run.Outcome.ToString()), ("seen", run.Seen), ("loaded", run.Loaded), ("skipped", run.Skipped),
            ("quarantined", run.Quarantined), ("done", run.AlreadyDone), ("removed", run.Removed), ("bytes", run.Bytes),
            ("failed", run.AccountsFailed), ("warnings", run.Warnings), ("message", run.Message), ("run", run.RunId));
        await Execute(connection, transaction,
            "DELETE FROM ledger_job_leases WHERE \"Job\" = @job AND \"RunId\" = @run", cancellationToken, ("job", run.Job), ("run", run.RunId));
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

    /// <summary>A write in one transaction on its own connection (one writer at a time on SQLite).</summary>
    private async Task WriteAsync(
        Func<DbConnection, DbTransaction, Task> write, CancellationToken cancellationToken, AccountLease? lease = null, bool exclusive = false)
    {
        if (serializeWrites)
        {
            await writeGate.WaitAsync(cancellationToken);
        }

        try
        {
            await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (lease is not null)
            {
                await FenceAsync(connection, transaction, lease, exclusive, cancellationToken);
            }

            await write(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
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

/// <summary>Source-generated JSON for the ledger's SQLite look-ups (no reflection on a run's path).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class LedgerJson : System.Text.Json.Serialization.JsonSerializerContext;

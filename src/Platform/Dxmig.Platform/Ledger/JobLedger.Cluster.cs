using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Dxmig.Platform.Storage;

namespace Dxmig.Platform.Ledger;

/// <summary>
/// Cluster runs (PostgreSQL only): one run of a job shared by every node that joins it, its accounts as rows of
/// <c>ledger_run_work</c> claimed with <c>FOR UPDATE SKIP LOCKED</c> (exactly one holder), each claim raising the row's
/// epoch; the nodes that take part in <c>ledger_run_nodes</c>. Times are PostgreSQL's own clock
/// (<c>clock_timestamp()</c>), so nodes whose clocks differ still agree on who is alive.
/// </summary>
public sealed partial class JobLedger
{
    /// <summary>The component name of the cluster tables in <c>dxmig_schema</c> (beside the ledger's own).</summary>
    public const string ClusterComponent = "ledger-cluster";

    public const int ClusterSchemaVersion = 1;

    private const string ClusterSchema = """
        CREATE TABLE IF NOT EXISTS ledger_run_work (
            "RunId" VARCHAR(40) NOT NULL,
            "Account" VARCHAR(320) NOT NULL,
            "Job" VARCHAR(200) NOT NULL,
            "Ordinal" INTEGER NOT NULL,
            "State" VARCHAR(20) NOT NULL,
            "Epoch" INTEGER NOT NULL DEFAULT 0,
            "Holder" VARCHAR(300) NULL,
            "Node" VARCHAR(200) NULL,
            "PreviousNode" VARCHAR(200) NULL,
            "HeartbeatUtc" TIMESTAMPTZ NULL,
            "ClaimedUtc" TIMESTAMPTZ NULL,
            "Seen" BIGINT NOT NULL DEFAULT 0,
            "Loaded" BIGINT NOT NULL DEFAULT 0,
            "Bytes" BIGINT NOT NULL DEFAULT 0,
            "Outcome" VARCHAR(30) NULL,
            PRIMARY KEY ("RunId", "Account"));
        CREATE TABLE IF NOT EXISTS ledger_run_nodes (
            "RunId" VARCHAR(40) NOT NULL,
            "Holder" VARCHAR(300) NOT NULL,
            "Node" VARCHAR(200) NOT NULL,
            "ProcessId" INTEGER NOT NULL,
            "Parallelism" INTEGER NOT NULL,
            "JoinedUtc" TIMESTAMPTZ NOT NULL,
            "HeartbeatUtc" TIMESTAMPTZ NOT NULL,
            "LeftUtc" TIMESTAMPTZ NULL,
            PRIMARY KEY ("RunId", "Holder"));
        CREATE TABLE IF NOT EXISTS ledger_fenced_writes (
            "Id" BIGSERIAL PRIMARY KEY,
            "RunId" VARCHAR(40) NOT NULL,
            "Account" VARCHAR(320) NOT NULL,
            "Node" VARCHAR(200) NOT NULL,
            "Epoch" INTEGER NOT NULL,
            "RefusedUtc" TIMESTAMPTZ NOT NULL,
            "Reason" VARCHAR(2000) NOT NULL);
        """;

    private const string Fresh = "\"HeartbeatUtc\" > clock_timestamp() - make_interval(secs => @timeout)";

    private const string Stale = "\"HeartbeatUtc\" <= clock_timestamp() - make_interval(secs => @timeout)";

    /// <summary>Whether runs of this ledger are cluster runs (PostgreSQL).</summary>
    public bool Clustered => Location.Provider == StoreProvider.PostgreSql;

    /// <summary>
    /// Joins the job's open cluster run when a live node still works on it. With <paramref name="joinOnly"/> (a node
    /// lending a hand, a recovered fire) it joins the open run even when every node of it is gone, and takes their
    /// accounts over; it never starts one. Otherwise a run left by dead nodes is marked interrupted and a new run starts
    /// whose accounts are <paramref name="accounts"/>. Serialized per job by the job's lease row.
    /// </summary>
    /// <returns>The run and whether it was joined; null when <paramref name="joinOnly"/> and nothing is open.</returns>
    public async Task<(LedgerRun Run, bool Joined)?> BeginOrJoinClusterRunAsync(
        string job, IReadOnlyList<string> accounts, ClusterMember member, bool joinOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(member);
        await EnsureClusterSchemaAsync(cancellationToken);
        (LedgerRun Run, bool Joined)? outcome = null;
        await WriteAsync(
            async (connection, transaction) =>
            {
                var now = Now;
                await Execute(connection, transaction,
                    "INSERT INTO ledger_job_leases (\"Job\", \"RunId\", \"Node\", \"ProcessId\", \"HeartbeatUtc\") VALUES (@job, '', @node, @pid, @now) ON CONFLICT (\"Job\") DO NOTHING",
                    cancellationToken, ("job", job), ("node", member.Node), ("pid", Environment.ProcessId), ("now", now));
                var current = (string?)await Scalar(connection, transaction, "SELECT \"RunId\" FROM ledger_job_leases WHERE \"Job\" = @job FOR UPDATE", cancellationToken, ("job", job));
                if (!string.IsNullOrEmpty(current))
                {
                    var open = await QueryOn(connection, transaction,
                        $"SELECT {RunColumns} FROM ledger_runs WHERE \"RunId\" = @run AND \"Outcome\" = @running", ReadRun, cancellationToken,
                        ("run", current), ("running", nameof(RunOutcome.Running)));
                    if (open.Count == 1)
                    {
                        var live = Convert.ToInt64(await Scalar(connection, transaction,
                            $"SELECT COUNT(*) FROM ledger_run_nodes WHERE \"RunId\" = @run AND \"LeftUtc\" IS NULL AND {Fresh}", cancellationToken,
                            ("run", current), ("timeout", member.LeaseTimeout.TotalSeconds)), CultureInfo.InvariantCulture);
                        if (live > 0 || joinOnly)
                        {
                            await InsertMemberAsync(connection, transaction, current, member, cancellationToken);
                            outcome = (open[0], true);
                            return;
                        }
                    }
                }

                if (joinOnly)
                {
                    return;
                }

                await Execute(connection, transaction,
                    "UPDATE ledger_runs SET \"Outcome\" = @interrupted, \"Message\" = @message, \"EndedUtc\" = @now WHERE \"Job\" = @job AND \"Outcome\" = @running AND \"DryRun\" = @dry",
                    cancellationToken,
                    ("interrupted", nameof(RunOutcome.Interrupted)),
                    ("message", "実行していたノードがすべて途中で終了しました。次の実行が続きを処理します / every node of the run ended mid-run; a later run resumed it"),
                    ("now", now), ("job", job), ("running", nameof(RunOutcome.Running)), ("dry", false));
                var run = new LedgerRun
                {
                    RunId = NewRunId(now),
                    Job = job,
                    Node = member.Node,
                    ProcessId = Environment.ProcessId,
                    StartedUtc = now,
                    Outcome = RunOutcome.Running,
                };
                await InsertRunAsync(connection, transaction, run, cancellationToken);
                await Execute(connection, transaction,
                    "INSERT INTO ledger_run_work (\"RunId\", \"Account\", \"Job\", \"Ordinal\", \"State\") " +
                    "SELECT @run, a.account, @job, a.ordinal::int, 'Waiting' FROM unnest(@accounts::text[]) WITH ORDINALITY AS a(account, ordinal)",
                    cancellationToken, ("run", run.RunId), ("job", job), ("accounts", accounts.ToArray()));
                await Execute(connection, transaction,
                    "UPDATE ledger_job_leases SET \"RunId\" = @run, \"Node\" = @node, \"ProcessId\" = @pid, \"HeartbeatUtc\" = @now WHERE \"Job\" = @job",
                    cancellationToken, ("run", run.RunId), ("node", member.Node), ("pid", Environment.ProcessId), ("now", now), ("job", job));
                await InsertMemberAsync(connection, transaction, run.RunId, member, cancellationToken);
                outcome = (run, false);
            },
            cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Claims one account of the run for this process: a waiting one, or one whose holder stopped heartbeating for the
    /// lease timeout (taken over, it resumes from its checkpoints). Null when none can be claimed now.
    /// </summary>
    public async Task<AccountLease?> ClaimAccountAsync(LedgerRun run, ClusterMember member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(member);
        var sent = Stopwatch.GetTimestamp();
        var rows = await QueryAsync(
            "UPDATE ledger_run_work w SET \"State\" = 'Claimed', \"Epoch\" = w.\"Epoch\" + 1, \"Holder\" = @holder, \"Node\" = @node, " +
            "\"PreviousNode\" = COALESCE(w.\"Node\", w.\"PreviousNode\"), \"HeartbeatUtc\" = clock_timestamp(), \"ClaimedUtc\" = clock_timestamp() " +
            "FROM (SELECT \"RunId\", \"Account\", \"State\" FROM ledger_run_work WHERE \"RunId\" = @run AND " +
            $"(\"State\" = 'Waiting' OR (\"State\" = 'Claimed' AND {Stale})) " +
            "ORDER BY CASE WHEN \"State\" = 'Claimed' THEN 0 ELSE 1 END, \"Ordinal\" LIMIT 1 FOR UPDATE SKIP LOCKED) c " +
            "WHERE w.\"RunId\" = c.\"RunId\" AND w.\"Account\" = c.\"Account\" RETURNING w.\"Account\", w.\"Epoch\", w.\"PreviousNode\", c.\"State\"",
            reader => (Account: reader.GetString(0), Epoch: reader.GetInt32(1), Previous: reader.IsDBNull(2) ? null : reader.GetString(2), Was: reader.GetString(3)),
            cancellationToken,
            ("holder", member.Holder), ("node", member.Node), ("run", run.RunId), ("timeout", member.LeaseTimeout.TotalSeconds));
        if (rows.Count == 0)
        {
            return null;
        }

        var lease = new AccountLease(run.Job, run.RunId, rows[0].Account, member.Holder, member.Node, rows[0].Epoch, rows[0].Previous, member.LeaseTimeout);
        lease.Confirmed(sent);
        if (rows[0].Was == "Claimed")
        {
            // Held by a node that stopped heartbeating (an account released after a stop was 'Waiting').
            Telemetry.DxmigMetrics.LeaseTakenOver(run.Job);
        }

        return lease;
    }

    /// <summary>Accounts of the run not yet done (waiting, or held by a node).</summary>
    public async Task<long> OutstandingAccountsAsync(string runId, CancellationToken cancellationToken) =>
        (await QueryAsync(
            "SELECT COUNT(*) FROM ledger_run_work WHERE \"RunId\" = @run AND \"State\" <> 'Done'",
            reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), cancellationToken, ("run", runId)))[0];

    /// <summary>
    /// This process's heartbeat: its membership row, the job's lease row, and every account it holds (with progress
    /// for <c>dxmig status</c>). An account whose row no longer names this holder and epoch is marked lost.
    /// </summary>
    public async Task HeartbeatClusterAsync(
        LedgerRun run, ClusterMember member, IReadOnlyList<(AccountLease Lease, long Seen, long Loaded, long Bytes)> held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(held);
        var sent = Stopwatch.GetTimestamp();
        var kept = new HashSet<string>(StringComparer.Ordinal);
        await WriteAsync(
            async (connection, transaction) =>
            {
                await Execute(connection, transaction,
                    "UPDATE ledger_run_nodes SET \"HeartbeatUtc\" = clock_timestamp() WHERE \"RunId\" = @run AND \"Holder\" = @holder",
                    cancellationToken, ("run", run.RunId), ("holder", member.Holder));
                await Execute(connection, transaction,
                    "UPDATE ledger_job_leases SET \"HeartbeatUtc\" = @now WHERE \"Job\" = @job AND \"RunId\" = @run",
                    cancellationToken, ("now", Now), ("job", run.Job), ("run", run.RunId));
                if (held.Count == 0)
                {
                    return;
                }

                foreach (var account in await QueryOn(connection, transaction,
                    "UPDATE ledger_run_work w SET \"HeartbeatUtc\" = clock_timestamp(), \"Seen\" = u.seen, \"Loaded\" = u.loaded, \"Bytes\" = u.bytes " +
                    "FROM unnest(@accounts::text[], @epochs::int[], @seen::bigint[], @loaded::bigint[], @bytes::bigint[]) AS u(account, epoch, seen, loaded, bytes) " +
                    "WHERE w.\"RunId\" = @run AND w.\"Account\" = u.account AND w.\"Epoch\" = u.epoch AND w.\"Holder\" = @holder AND w.\"State\" = 'Claimed' " +
                    "RETURNING w.\"Account\"",
                    reader => reader.GetString(0), cancellationToken,
                    ("accounts", held.Select(h => h.Lease.Account).ToArray()), ("epochs", held.Select(h => h.Lease.Epoch).ToArray()),
                    ("seen", held.Select(h => h.Seen).ToArray()), ("loaded", held.Select(h => h.Loaded).ToArray()),
                    ("bytes", held.Select(h => h.Bytes).ToArray()), ("run", run.RunId), ("holder", member.Holder)))
                {
                    kept.Add(account);
                }
            },
            cancellationToken);
        foreach (var (lease, _, _, _) in held)
        {
            if (kept.Contains(lease.Account))
            {
                lease.Confirmed(sent);
            }
            else
            {
                lease.MarkLost("別のノードが引き継ぎました / another node took it over");
            }
        }
    }

    /// <summary>Records the account's accounting in the run and marks it done, only while this process still holds it.</summary>
    /// <exception cref="LeaseLostException">Another node took the account over; nothing was written.</exception>
    public Task FinishAccountAsync(AccountLease lease, LedgerRunAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(account);
        return WriteAsync(
            async (connection, transaction) =>
            {
                await InsertRunAccountAsync(connection, transaction, account, cancellationToken);
                await Execute(connection, transaction,
                    "UPDATE ledger_run_work SET \"State\" = 'Done', \"Outcome\" = @outcome, \"Seen\" = @seen, \"Loaded\" = @loaded, \"Bytes\" = @bytes, \"HeartbeatUtc\" = clock_timestamp() " +
                    "WHERE \"RunId\" = @run AND \"Account\" = @account",
                    cancellationToken,
                    ("outcome", account.Outcome.ToString()), ("seen", account.Seen), ("loaded", account.Loaded), ("bytes", account.Bytes),
                    ("run", lease.RunId), ("account", lease.Account));
            },
            cancellationToken,
            lease,
            exclusive: true);
    }

    /// <summary>Gives a stopped account back to the run at once (SIGTERM, the window's end): the other nodes take it up.</summary>
    /// <exception cref="LeaseLostException">Another node took the account over already.</exception>
    public Task ReleaseAccountAsync(AccountLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return WriteAsync(
            (connection, transaction) => Execute(connection, transaction,
                "UPDATE ledger_run_work SET \"State\" = 'Waiting', \"Holder\" = NULL, \"HeartbeatUtc\" = clock_timestamp() WHERE \"RunId\" = @run AND \"Account\" = @account",
                cancellationToken, ("run", lease.RunId), ("account", lease.Account)),
            cancellationToken,
            lease,
            exclusive: true);
    }

    /// <summary>
    /// Ends this process's part in the run. When every account is done, the run is completed here (once: the run's row
    /// is locked, the first process to get there completes it) with <paramref name="summarise"/> over every account's
    /// accounting. When this process stops while accounts remain and no other live node takes part, the run is closed
    /// as stopped, with the accounting of the accounts not done read back from the ledger.
    /// </summary>
    /// <returns>The run as it now stands, and whether this process completed it.</returns>
    public async Task<(LedgerRun Run, IReadOnlyList<LedgerRunAccount> Accounts, bool CompletedHere)> LeaveClusterRunAsync(
        LedgerRun run, ClusterMember member, bool stopping, Action<LedgerRun, IReadOnlyList<LedgerRunAccount>, bool> summarise, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(summarise);
        var completed = false;
        LedgerRun current = run;
        IReadOnlyList<LedgerRunAccount> accounts = [];
        await WriteAsync(
            async (connection, transaction) =>
            {
                current = (await QueryOn(connection, transaction, $"SELECT {RunColumns} FROM ledger_runs WHERE \"RunId\" = @run FOR UPDATE", ReadRun, cancellationToken, ("run", run.RunId)))[0];
                await Execute(connection, transaction,
                    "UPDATE ledger_run_nodes SET \"LeftUtc\" = clock_timestamp() WHERE \"RunId\" = @run AND \"Holder\" = @holder",
                    cancellationToken, ("run", run.RunId), ("holder", member.Holder));
                if (current.Outcome != RunOutcome.Running)
                {
                    accounts = await QueryOn(connection, transaction, $"SELECT {RunAccountColumns} FROM ledger_run_accounts WHERE \"RunId\" = @run ORDER BY \"Account\"", ReadRunAccount, cancellationToken, ("run", run.RunId));
                    return;
                }

                var outstanding = await QueryOn(connection, transaction,
                    "SELECT \"Account\" FROM ledger_run_work WHERE \"RunId\" = @run AND \"State\" <> 'Done' ORDER BY \"Ordinal\"",
                    reader => reader.GetString(0), cancellationToken, ("run", run.RunId));
                if (outstanding.Count > 0)
                {
                    if (!stopping)
                    {
                        return;
                    }

                    var others = Convert.ToInt64(await Scalar(connection, transaction,
                        $"SELECT COUNT(*) FROM ledger_run_nodes WHERE \"RunId\" = @run AND \"Holder\" <> @holder AND \"LeftUtc\" IS NULL AND {Fresh}",
                        cancellationToken, ("run", run.RunId), ("holder", member.Holder), ("timeout", member.LeaseTimeout.TotalSeconds)), CultureInfo.InvariantCulture);
                    if (others > 0)
                    {
                        return;
                    }

                    // The last node leaves: what the accounts not done got so far in this run, from the ledger itself.
                    foreach (var account in outstanding)
                    {
                        var totals = await RunItemTotalsOn(connection, transaction, run.Job, run.RunId, account, cancellationToken);
                        await InsertRunAccountAsync(connection, transaction, new LedgerRunAccount
                        {
                            RunId = run.RunId,
                            Account = account,
                            Outcome = RunOutcome.Stopped,
                            Seen = totals.Values.Sum(t => t.Count),
                            Loaded = Get(totals, ItemState.Loaded),
                            Skipped = Get(totals, ItemState.Skipped),
                            Quarantined = Get(totals, ItemState.Quarantined),
                            Removed = Get(totals, ItemState.Removed),
                            Bytes = totals.Values.Sum(t => t.Bytes),
                            Message = "停止要求により中断 / stopped on request",
                        }, cancellationToken);
                    }
                }

                accounts = await QueryOn(connection, transaction, $"SELECT {RunAccountColumns} FROM ledger_run_accounts WHERE \"RunId\" = @run ORDER BY \"Account\"", ReadRunAccount, cancellationToken, ("run", run.RunId));
                summarise(current, accounts, outstanding.Count > 0);
                current.EndedUtc = Now;
                await EndRunAsync(connection, transaction, current, cancellationToken);
                completed = true;
            },
            cancellationToken);
        return (current, accounts, completed);
    }

    /// <summary>The job's open cluster run that wants more hands: accounts waiting, or held by a node that stopped heartbeating.</summary>
    public async Task<string?> RunNeedingHandsAsync(string job, TimeSpan leaseTimeout, CancellationToken cancellationToken)
    {
        if (!Clustered)
        {
            return null;
        }

        await EnsureClusterSchemaAsync(cancellationToken);
        var rows = await QueryAsync(
            "SELECT r.\"RunId\" FROM ledger_runs r JOIN ledger_job_leases l ON l.\"RunId\" = r.\"RunId\" WHERE l.\"Job\" = @job AND r.\"Outcome\" = @running " +
            $"AND EXISTS (SELECT 1 FROM ledger_run_work w WHERE w.\"RunId\" = r.\"RunId\" AND (w.\"State\" = 'Waiting' OR (w.\"State\" = 'Claimed' AND w.{Stale})))",
            reader => reader.GetString(0), cancellationToken, ("job", job), ("running", nameof(RunOutcome.Running)), ("timeout", leaseTimeout.TotalSeconds));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>What the run's items written so far hold, per state (a taken-over account counts its earlier holder's work).</summary>
    public async Task<IReadOnlyDictionary<ItemState, (long Count, long Bytes)>> RunItemTotalsAsync(
        string job, string runId, string account, CancellationToken cancellationToken)
    {
        await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
        return await RunItemTotalsOn(connection, null, job, runId, account, cancellationToken);
    }

    /// <summary>Notes a write refused because the lease was lost (the fault table and <c>dxmig status</c> read them).</summary>
    public async Task RecordFencedWriteAsync(AccountLease lease, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!Clustered)
        {
            return;
        }

        await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
        await Execute(connection, null,
            "INSERT INTO ledger_fenced_writes (\"RunId\", \"Account\", \"Node\", \"Epoch\", \"RefusedUtc\", \"Reason\") VALUES (@run, @account, @node, @epoch, clock_timestamp(), @reason)",
            cancellationToken, ("run", lease.RunId), ("account", lease.Account), ("node", lease.Node), ("epoch", lease.Epoch), ("reason", reason));
    }

    /// <summary>The job's open cluster run as <c>dxmig status</c> shows it: each node, the accounts it holds, the accounts waiting.</summary>
    public async Task<ClusterRunView?> ClusterRunViewAsync(string job, TimeSpan leaseTimeout, CancellationToken cancellationToken)
    {
        if (!Clustered)
        {
            return null;
        }

        await EnsureClusterSchemaAsync(cancellationToken);
        var runs = await QueryAsync(
            $"SELECT {string.Join(", ", RunColumns.Split(", ").Select(c => "r." + c))} FROM ledger_runs r JOIN ledger_job_leases l ON l.\"RunId\" = r.\"RunId\" " +
            "WHERE l.\"Job\" = @job AND r.\"Outcome\" = @running",
            ReadRun, cancellationToken, ("job", job), ("running", nameof(RunOutcome.Running)));
        if (runs.Count == 0)
        {
            return null;
        }

        var run = runs[0];
        var nodes = await QueryAsync(
            "SELECT \"Node\", \"ProcessId\", \"Parallelism\", \"HeartbeatUtc\", \"LeftUtc\", " +
            $"CASE WHEN \"LeftUtc\" IS NULL AND {Fresh} THEN 1 ELSE 0 END, EXTRACT(EPOCH FROM clock_timestamp() - \"HeartbeatUtc\") " +
            "FROM ledger_run_nodes WHERE \"RunId\" = @run ORDER BY \"JoinedUtc\"",
            reader => new ClusterNodeView(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), Utc(reader.GetDateTime(3)),
                reader.IsDBNull(4) ? null : Utc(reader.GetDateTime(4)), reader.GetInt32(5) == 1,
                TimeSpan.FromSeconds(Convert.ToDouble(reader.GetValue(6), CultureInfo.InvariantCulture))),
            cancellationToken, ("run", run.RunId), ("timeout", leaseTimeout.TotalSeconds));
        var work = await QueryAsync(
            "SELECT \"Account\", \"State\", \"Node\", \"Epoch\", \"Seen\", \"Loaded\", \"Bytes\", \"Outcome\", " +
            $"CASE WHEN \"HeartbeatUtc\" IS NULL THEN NULL ELSE EXTRACT(EPOCH FROM clock_timestamp() - \"HeartbeatUtc\") END, \"PreviousNode\" " +
            "FROM ledger_run_work WHERE \"RunId\" = @run ORDER BY \"Ordinal\"",
            reader => new ClusterWorkView(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : TimeSpan.FromSeconds(Convert.ToDouble(reader.GetValue(8), CultureInfo.InvariantCulture)),
                reader.IsDBNull(9) ? null : reader.GetString(9)),
            cancellationToken, ("run", run.RunId));
        var fenced = await QueryAsync(
            "SELECT COUNT(*) FROM ledger_fenced_writes WHERE \"RunId\" = @run",
            reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), cancellationToken, ("run", run.RunId));
        return new ClusterRunView(run, nodes, work, fenced[0]);
    }

    private async Task EnsureClusterSchemaAsync(CancellationToken cancellationToken)
    {
        if (clusterSchemaReady)
        {
            return;
        }

        await using var connection = await StoreConnections.OpenAsync(Location, cancellationToken);
        await SchemaBootstrap.EnsureAsync(connection, isSqlite: false, () => ClusterSchema, ClusterComponent, ClusterSchemaVersion, cancellationToken);
        clusterSchemaReady = true;
    }

    private static async Task InsertMemberAsync(DbConnection connection, DbTransaction transaction, string runId, ClusterMember member, CancellationToken cancellationToken) =>
        await Execute(connection, transaction,
            "INSERT INTO ledger_run_nodes (\"RunId\", \"Holder\", \"Node\", \"ProcessId\", \"Parallelism\", \"JoinedUtc\", \"HeartbeatUtc\") " +
            "VALUES (@run, @holder, @node, @pid, @parallelism, clock_timestamp(), clock_timestamp())",
            cancellationToken,
            ("run", runId), ("holder", member.Holder), ("node", member.Node), ("pid", Environment.ProcessId), ("parallelism", member.Parallelism));

    /// <summary>
    /// Inside a write's transaction: the account's row must still name this holder and epoch. The row is locked (shared
    /// for item writes, exclusive when the row itself changes), so a takeover waits for the write to commit and the new
    /// holder reads the ledger after it.
    /// </summary>
    private static async Task FenceAsync(DbConnection connection, DbTransaction transaction, AccountLease lease, bool exclusive, CancellationToken cancellationToken)
    {
        lease.ThrowIfLost();
        var held = await Scalar(connection, transaction,
            "SELECT 1 FROM ledger_run_work WHERE \"RunId\" = @run AND \"Account\" = @account AND \"Epoch\" = @epoch AND \"Holder\" = @holder AND \"State\" = 'Claimed' " +
            (exclusive ? "FOR NO KEY UPDATE" : "FOR SHARE"),
            cancellationToken,
            ("run", lease.RunId), ("account", lease.Account), ("epoch", lease.Epoch), ("holder", lease.Holder));
        if (held is null)
        {
            const string Reason = "台帳の担当エポックが変わっています / the ledger names another holder or epoch";
            lease.MarkLost(Reason);
            throw new LeaseLostException(lease, Reason);
        }
    }

    private static async Task<Dictionary<ItemState, (long Count, long Bytes)>> RunItemTotalsOn(
        DbConnection connection, DbTransaction? transaction, string job, string runId, string account, CancellationToken cancellationToken)
    {
        var rows = await QueryOn(connection, transaction,
            "SELECT \"State\", COUNT(*), COALESCE(SUM(\"Size\"), 0) FROM ledger_items WHERE \"Job\" = @job AND \"LastRunId\" = @run AND \"Account\" = @account AND \"State\" <> 'Pending' GROUP BY \"State\"",
            reader => (State: Enum.Parse<ItemState>(reader.GetString(0)), Count: Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Bytes: Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
            cancellationToken, ("job", job), ("run", runId), ("account", account));
        return rows.ToDictionary(r => r.State, r => (r.Count, r.Bytes));
    }

    private static long Get(Dictionary<ItemState, (long Count, long Bytes)> totals, ItemState state) => totals.TryGetValue(state, out var t) ? t.Count : 0;

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> Scalar(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task<List<T>> QueryOn<T>(
        DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}

/// <summary>This process as a member of cluster runs: its node name, a holder id unique to the process, its parallelism.</summary>
public sealed record ClusterMember(string Node, string Holder, int Parallelism, TimeSpan LeaseTimeout)
{
    public static ClusterMember Create(string node, int parallelism, TimeSpan leaseTimeout) =>
        new(node, $"{node}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}", parallelism, leaseTimeout);
}

/// <summary>A cluster run as <c>dxmig status</c> shows it.</summary>
public sealed record ClusterRunView(LedgerRun Run, IReadOnlyList<ClusterNodeView> Nodes, IReadOnlyList<ClusterWorkView> Work, long FencedWrites);

public sealed record ClusterNodeView(string Node, int ProcessId, int Parallelism, DateTime HeartbeatUtc, DateTime? LeftUtc, bool Alive, TimeSpan SinceHeartbeat);

public sealed record ClusterWorkView(
    string Account, string State, string? Node, int Epoch, long Seen, long Loaded, long Bytes, string? Outcome, TimeSpan? SinceHeartbeat, string? PreviousNode);

using System.Data.Common;
using System.Globalization;
using Dxmig.Platform.Storage;

namespace Dxmig.Platform.Ledger;

/// <summary>What one enforcement of a job's retention removed from the ledger.</summary>
/// <param name="Runs">Run rows removed (with their per-account rows and, in a cluster, their work, node and refused-write rows).</param>
/// <param name="RunAccounts">Per-account rows of those runs.</param>
/// <param name="RemovedItems">Rows of items removed from the target long enough ago.</param>
public sealed record LedgerPruneResult(int Runs, long RunAccounts, long RemovedItems);

/// <summary>How big a job's part of the ledger is.</summary>
/// <param name="ItemsByState">Item rows per state.</param>
/// <param name="Runs">Run rows of the job.</param>
/// <param name="RunAccounts">Per-account rows of those runs.</param>
/// <param name="OldestRunUtc">When the oldest run kept started; null: no run.</param>
/// <param name="ItemPayloadBytes">Bytes of the job's item rows' values (text in UTF-8, numbers 8 bytes each).</param>
/// <param name="StoreBytes">
/// Bytes the store holds for the item table on disk, all jobs (PostgreSQL: <c>pg_total_relation_size</c> with indexes),
/// or the SQLite file; null when unknown.
/// </param>
/// <param name="StoreItems">Item rows of every job in the store (what <paramref name="StoreBytes"/> is divided by).</param>
public sealed record LedgerSize(
    IReadOnlyDictionary<ItemState, long> ItemsByState, long Runs, long RunAccounts, DateTime? OldestRunUtc, long ItemPayloadBytes, long? StoreBytes, long StoreItems)
{
    public long Items => ItemsByState.Values.Sum();

    /// <summary>Bytes of values per item row; 0 without items.</summary>
    public double PayloadPerItem => Items == 0 ? 0 : (double)ItemPayloadBytes / Items;

    /// <summary>Bytes on disk per item row (the store's table or file over its rows); null when unknown.</summary>
    public double? StorePerItem => StoreBytes is { } bytes && StoreItems > 0 ? (double)bytes / StoreItems : null;
}

public sealed partial class JobLedger
{
    private static readonly string[] ClusterRunTables = ["ledger_run_work", "ledger_run_nodes", "ledger_fenced_writes"];

    private static readonly string[] ItemTextColumns =
        ["Job", "System", "Account", "Container", "NativeId", "Version", "ContentHash", "State", "Code", "Message", "Location", "TargetKey", "FirstRunId", "LastRunId"];

    /// <summary>
    /// Removes the job's run rows started before <paramref name="runsBeforeUtc"/> except the newest
    /// <paramref name="keepRuns"/>, the job's first run (the migration's own record) and any run still open, and the rows
    /// of items removed from the target before <paramref name="removedItemsBeforeUtc"/>. Item rows in any other state are
    /// never touched: they are what reconciliation and audits read.
    /// </summary>
    public async Task<LedgerPruneResult> PruneAsync(
        string job, DateTime runsBeforeUtc, int keepRuns, DateTime removedItemsBeforeUtc, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepRuns);
        var runs = await QueryAsync(
            "SELECT \"RunId\", \"StartedUtc\", \"Outcome\" FROM ledger_runs WHERE \"Job\" = @job ORDER BY \"StartedUtc\" DESC",
            reader => (RunId: reader.GetString(0), Started: Utc(reader.GetDateTime(1)), Outcome: reader.GetString(2)),
            cancellationToken,
            ("job", job));
        var first = runs.Count > 0 ? runs[^1].RunId : null;
        var doomed = runs.Skip(keepRuns)
            .Where(r => r.Started < runsBeforeUtc && r.RunId != first && r.Outcome != nameof(RunOutcome.Running))
            .Select(r => r.RunId)
            .ToList();
        var cluster = Clustered && await ClusterTablesExistAsync(cancellationToken);
        long accounts = 0, removed = 0;
        await WriteAsync(
            async (connection, transaction) =>
            {
                foreach (var chunk in doomed.Chunk(200))
                {
                    var (list, parameters) = InList(chunk);
                    accounts += await CountedAsync(connection, transaction, $"DELETE FROM ledger_run_accounts WHERE \"RunId\" IN ({list})", parameters, cancellationToken);
                    if (cluster)
                    {
                        foreach (var table in ClusterRunTables)
                        {
                            await CountedAsync(connection, transaction, $"DELETE FROM {table} WHERE \"RunId\" IN ({list})", parameters, cancellationToken);
                        }
                    }

                    await CountedAsync(connection, transaction, $"DELETE FROM ledger_runs WHERE \"RunId\" IN ({list})", parameters, cancellationToken);
                }

                removed = await CountedAsync(
                    connection,
                    transaction,
                    "DELETE FROM ledger_items WHERE \"Job\" = @job AND \"State\" = @state AND \"UpdatedUtc\" < @before",
                    [("job", job), ("state", nameof(ItemState.Removed)), ("before", removedItemsBeforeUtc)],
                    cancellationToken);
            },
            cancellationToken);
        return new LedgerPruneResult(doomed.Count, accounts, removed);
    }

    /// <summary>The job's rows in the ledger and what they weigh.</summary>
    public async Task<LedgerSize> SizeAsync(string job, CancellationToken cancellationToken)
    {
        var postgres = Location.Provider == StoreProvider.PostgreSql;
        string Bytes(string column) => postgres ? $"COALESCE(octet_length(\"{column}\"), 0)" : $"COALESCE(length(CAST(\"{column}\" AS BLOB)), 0)";
        var text = string.Join(" + ", ItemTextColumns.Select(Bytes));
        var byState = await QueryAsync(
            $"SELECT \"State\", COUNT(*), COALESCE(SUM({text}), 0) FROM ledger_items WHERE \"Job\" = @job GROUP BY \"State\"",
            reader => (State: Enum.Parse<ItemState>(reader.GetString(0)), Count: Long(reader, 1), Bytes: Long(reader, 2)),
            cancellationToken,
            ("job", job));
        // Five numbers and two times per row: 8 bytes each.
        var payload = byState.Sum(s => s.Bytes + (s.Count * 7 * 8));
        var runs = await QueryAsync(
            "SELECT COUNT(*), MIN(\"StartedUtc\") FROM ledger_runs WHERE \"Job\" = @job",
            reader => (Count: Long(reader, 0), Oldest: reader.IsDBNull(1) ? (DateTime?)null : Utc(reader.GetDateTime(1))),
            cancellationToken,
            ("job", job));
        var runAccounts = await QueryAsync(
            "SELECT COUNT(*) FROM ledger_run_accounts a JOIN ledger_runs r ON r.\"RunId\" = a.\"RunId\" WHERE r.\"Job\" = @job",
            reader => Long(reader, 0),
            cancellationToken,
            ("job", job));
        var storeItems = (await QueryAsync("SELECT COUNT(*) FROM ledger_items", reader => Long(reader, 0), cancellationToken))[0];
        long? storeBytes = postgres
            ? (await QueryAsync("SELECT pg_total_relation_size('ledger_items')", reader => Long(reader, 0), cancellationToken))[0]
            : File.Exists(Location.Display) ? new FileInfo(Location.Display).Length : null;
        return new LedgerSize(
            byState.ToDictionary(s => s.State, s => s.Count), runs[0].Count, runAccounts[0], runs[0].Oldest, payload, storeBytes, storeItems);
    }

    private async Task<bool> ClusterTablesExistAsync(CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT to_regclass('ledger_run_work') IS NOT NULL", reader => reader.GetBoolean(0), cancellationToken))[0];

    private static (string List, (string Name, object? Value)[] Parameters) InList(IReadOnlyList<string> values)
    {
        var parameters = values.Select((v, i) => ($"r{i}", (object?)v)).ToArray();
        return (string.Join(", ", parameters.Select(p => "@" + p.Item1)), parameters);
    }

    private static async Task<long> CountedAsync(
        DbConnection connection, DbTransaction transaction, string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
}

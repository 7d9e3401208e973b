using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Dxmig.Platform.Ledger;

/// <summary>
/// PostgreSQL: a batch of item writes as one statement. The per-item upserts (one <c>INSERT … ON CONFLICT</c> each,
/// pipelined in one round trip) cost PostgreSQL a parse, a plan and an execution per item, about ten times a CESS
/// schedule row's own COPY into the platform store; a <c>dxmig run</c> of 100,000 schedules spent most of its time
/// there. Here the batch's values travel as one array per column and one <c>INSERT … SELECT … FROM unnest(…) ON
/// CONFLICT … DO UPDATE</c> writes them all, with the same conflict rule, in the batch's order (ids ascending as before).
/// A batch that names one item twice (ON CONFLICT may not touch a row twice in one statement) keeps the per-item path.
/// </summary>
public sealed partial class JobLedger
{
    private const string UnnestUpsertSql = """
        INSERT INTO ledger_items ("Job", "System", "Account", "Container", "NativeId", "Version", "ContentHash", "Size", "State", "Code",
                                  "Message", "Location", "TargetKey", "FirstRunId", "LastRunId", "Attempts", "CreatedUtc", "UpdatedUtc")
        SELECT @job, u.system, @account, u.container, u.native, u.version, u.hash, u.size, u.state, u.code,
               u.message, u.location, u.target, @run, @run, u.attempts, @now, @now
        FROM unnest(@systems, @containers, @natives, @versions, @hashes, @sizes, @states, @codes, @messages, @locations, @targets, @attempts)
             WITH ORDINALITY AS u(system, container, native, version, hash, size, state, code, message, location, target, attempts, n)
        ORDER BY u.n
        """ + "\n" + UpsertConflictSql;

    /// <summary>True when the writes go as one statement: PostgreSQL, more than one item, no item twice.</summary>
    private static bool WritesAsOneStatement(DbConnection connection, IReadOnlyList<ItemWrite> writes)
    {
        if (connection is not NpgsqlConnection || writes.Count < 2)
        {
            return false;
        }

        var seen = new HashSet<(string Container, string NativeId)>(writes.Count);
        foreach (var write in writes)
        {
            if (!seen.Add((write.Key.Container, write.Key.NativeId)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The writes as one <c>INSERT … SELECT … FROM unnest(…)</c> (see the type's remarks).</summary>
    private static async Task WriteItemsAsOneStatementAsync(
        DbConnection connection, DbTransaction transaction, string job, string runId, string account, IReadOnlyList<ItemWrite> writes, DateTime now,
        CancellationToken cancellationToken)
    {
        var n = writes.Count;
        var (systems, containers, natives, versions, hashes) = (new string[n], new string[n], new string[n], new string[n], new string[n]);
        var (sizes, states, codes, messages, locations, targets, attempts) = (new long[n], new string[n], new string?[n], new string?[n], new string?[n], new string?[n], new int[n]);
        for (var i = 0; i < n; i++)
        {
            var w = writes[i];
            (systems[i], containers[i], natives[i], versions[i], hashes[i]) = (w.Key.System, w.Key.Container, w.Key.NativeId, w.Key.Version, w.ContentHash);
            (sizes[i], states[i], codes[i], messages[i], locations[i], targets[i]) = (w.Size, w.State.ToString(), w.Code, w.Message, w.Location, w.TargetKey);
            attempts[i] = w.State == ItemState.Pending ? 1 : 0;
        }

        await using var command = new NpgsqlCommand(UnnestUpsertSql, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("job", job);
        command.Parameters.AddWithValue("account", account);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("now", now);
        foreach (var (name, values) in new (string, string?[])[]
        {
            ("systems", systems), ("containers", containers), ("natives", natives), ("versions", versions), ("hashes", hashes), ("states", states),
            ("codes", codes), ("messages", messages), ("locations", locations), ("targets", targets),
        })
        {
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values });
        }

        command.Parameters.Add(new NpgsqlParameter("sizes", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = sizes });
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = attempts });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

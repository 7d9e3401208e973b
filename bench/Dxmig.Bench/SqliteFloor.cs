using System.Diagnostics;
using System.Globalization;
using Dxmig.Platform.Storage;
using Microsoft.Data.Sqlite;

namespace Dxmig.Bench;

/// <summary>
/// SQLite's own floor for a load: the same rows dxmig wrote (read back from dxmig's store and ledger after its first
/// pass, so they are byte for byte the same), inserted into fresh files with the same tables and indexes (the
/// <c>CREATE</c> statements copied from dxmig's files), in ONE transaction per file with ONE prepared INSERT whose
/// parameters are re-bound per row, under the pragmas dxmig sets on every connection
/// (<see cref="StoreConnections.SqlitePragmas"/>: WAL, synchronous=NORMAL). Nothing else: no reading, no parsing, no
/// hashing, no accounting. Two lines: the store's rows alone, and the store's rows plus the same count of ledger rows
/// (dxmig must write both, so the goal is measured against the second).
/// </summary>
internal static class SqliteFloor
{
    /// <summary>Child process: measure-sqlite-floor STORE_DB STORE_TABLE LEDGER_DB WORK_DIR.</summary>
    public static async Task<int> MeasureAsync(string storeDb, string table, string ledgerDb, string workDir)
    {
        Directory.CreateDirectory(workDir);
        var store = await ReadAsync(storeDb, table);
        var ledger = await ReadAsync(ledgerDb, "ledger_items");
        var storeSeconds = await InsertAsync(Path.Combine(workDir, "floor-store.db"), store);
        var ledgerSeconds = await InsertAsync(Path.Combine(workDir, "floor-ledger.db"), ledger);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FLOOR {store.Rows.Count} {storeSeconds:0.000} {ledger.Rows.Count} {ledgerSeconds:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {storeSeconds + ledgerSeconds:0.000} {Peak.RssMb():0.0}"));
        return 0;
    }

    /// <summary>Parses the FLOOR line of a floor child's output: store rows and seconds, ledger rows and seconds.</summary>
    public static (int StoreRows, double StoreSeconds, int LedgerRows, double LedgerSeconds) Parse(string output)
    {
        var parts = output.Split('\n').Last(l => l.StartsWith("FLOOR ", StringComparison.Ordinal)).Split(' ');
        return (int.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture),
            int.Parse(parts[3], CultureInfo.InvariantCulture), double.Parse(parts[4], CultureInfo.InvariantCulture));
    }

    private sealed record Table(string Name, List<string> Schema, string[] Columns, List<object?[]> Rows);

    /// <summary>The table's CREATE statements (table and indexes, as dxmig made them) and every row but its rowid, in rowid order.</summary>
    private static async Task<Table> ReadAsync(string db, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var schema = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT sql FROM sqlite_master WHERE tbl_name = $t AND sql IS NOT NULL ORDER BY type DESC";
            command.Parameters.AddWithValue("$t", table);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                schema.Add(reader.GetString(0));
            }
        }

        var rows = new List<object?[]>();
        string[] columns;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY rowid";
            await using var reader = await command.ExecuteReaderAsync();
            columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).Where(c => c != "Id")];
            var ordinals = columns.Select(reader.GetOrdinal).ToArray();
            while (await reader.ReadAsync())
            {
                var row = new object?[ordinals.Length];
                for (var i = 0; i < ordinals.Length; i++)
                {
                    row[i] = reader.IsDBNull(ordinals[i]) ? null : reader.GetValue(ordinals[i]);
                }

                rows.Add(row);
            }
        }

        return new Table(table, schema, columns, rows);
    }

    /// <summary>One transaction, one prepared INSERT, parameters re-bound per row; seconds from BEGIN to COMMIT.</summary>
    private static async Task<double> InsertAsync(string file, Table table)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = StoreConnections.SqlitePragmas;
            await pragmas.ExecuteNonQueryAsync();
        }

        foreach (var create in table.Schema)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = create;
            await command.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        await using (var transaction = connection.BeginTransaction())
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText =
                $"INSERT INTO \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c}\""))}) " +
                $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))})";
            var parameters = table.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
            insert.Prepare();
            foreach (var row in table.Rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }

                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        clock.Stop();
        return clock.Elapsed.TotalSeconds;
    }
}

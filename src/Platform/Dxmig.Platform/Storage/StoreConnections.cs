using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dxmig.Platform.Storage;

/// <summary>
/// Plain ADO.NET connections to a store, for the paths that run on every batch (the ledger): no EF Core model to
/// build and no query to compile, which is most of a short run's start-up. SQLite connections get the same pragmas
/// as EF Core's (WAL, synchronous=NORMAL, a busy timeout).
/// </summary>
public static class StoreConnections
{
    /// <summary>What every SQLite connection of dxmig runs first (EF Core's through an interceptor, plain ones here).</summary>
    public const string SqlitePragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=60000;";

    /// <summary>
    /// Opens an in-memory SQLite database with dxmig's pragmas and reads from it, so that a run's first ledger access
    /// (loading the native library, preparing the ADO.NET code) is paid for while the job file is still being read.
    /// </summary>
    public static async Task WarmUpSqliteAsync(CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.Command(SqlitePragmas + " SELECT @one;", null, ("one", 1));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            _ = reader.GetInt64(0);
        }
    }

    /// <summary>Opens a connection to the store (PostgreSQL: TLS as the location says, a pinned certificate through its own data source).</summary>
    /// <exception cref="Dxmig.Contracts.ConfigurationException">The PostgreSQL server's certificate was refused (in plain words, no secret).</exception>
    public static async Task<DbConnection> OpenAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        DbConnection connection = location.Provider == StoreProvider.Sqlite
            ? new SqliteConnection(location.ConnectionString)
            : location.PinnedSha256 is not null
            ? PostgresTls.PinnedDataSource(location).CreateConnection()
            : new NpgsqlConnection(location.ConnectionString);
        if (location.Provider == StoreProvider.Sqlite)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(location.Display)!);
        }

        try
        {
            await connection.OpenAsync(cancellationToken);
            if (location.Provider == StoreProvider.Sqlite)
            {
                await using var pragmas = connection.CreateCommand();
                pragmas.CommandText = SqlitePragmas;
                await pragmas.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync();
            if (PostgresTls.Explain(ex, location) is { } refused)
            {
                throw refused;
            }

            throw;
        }
    }

    /// <summary>A command with named parameters (<c>@name</c>, the same in SQLite and PostgreSQL).</summary>
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.CommandTimeout = 120;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

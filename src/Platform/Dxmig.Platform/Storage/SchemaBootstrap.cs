using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Storage;

/// <summary>
/// Creates a component's tables in a database that other components may share (ledger, platform store), and records
/// the schema version per component in <c>dxmig_schema</c>. EnsureCreated cannot do this: it does nothing once any
/// table exists. A database made by a newer dxmig is refused rather than written with an older model.
/// </summary>
public static class SchemaBootstrap
{
    /// <exception cref="StoreSchemaException">The database holds a different schema version of the component.</exception>
    public static async Task EnsureAsync(DbContext context, string component, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = context.Database.GetDbConnection();
        try
        {
            await context.Database.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (Contracts.EndpointFailure.Classify(ex) is { } fault)
        {
            // The database server cannot be reached (or refuses the credential): said once, in plain words, by the caller.
            var (reasonJa, reasonEn) = Contracts.EndpointFailure.Reason(fault.Kind);
            var server = connection is Npgsql.NpgsqlConnection && new Npgsql.NpgsqlConnectionStringBuilder(connection.ConnectionString) is { Host: { Length: > 0 } host } where
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{host}:{where.Port}")
                : connection.DataSource;
            throw new Contracts.EndpointUnreachableException(
                "PostgreSQL", server, fault.Kind,
                $"{component} のデータベース PostgreSQL {server} に接続できません ({reasonJa})",
                $"cannot connect to the {component} database PostgreSQL {server} ({reasonEn})", ex);
        }

        try
        {
            await EnsureAsync(connection, context.Database.IsSqlite(), () => context.Database.GenerateCreateScript(), component, version, cancellationToken);
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The same on an open ADO.NET connection; <paramref name="createScript"/> (which builds the EF Core model) is only
    /// called when the component's tables have to be created.
    /// </summary>
    /// <exception cref="StoreSchemaException">The database holds a different schema version of the component.</exception>
    public static async Task EnsureAsync(
        System.Data.Common.DbConnection connection, bool isSqlite, Func<string> createScript, string component, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(createScript);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!isSqlite)
        {
            // Two processes starting at once (the nodes of a serve cluster) must not both create tables: even
            // CREATE TABLE IF NOT EXISTS collides in PostgreSQL's catalogue (23505 on pg_type) when two run together.
            await using var locking = connection.Command("SELECT pg_advisory_xact_lock(7152026)", transaction);
            await locking.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var create = connection.Command(
            "CREATE TABLE IF NOT EXISTS dxmig_schema (component VARCHAR(100) PRIMARY KEY, version INTEGER NOT NULL, applied_utc VARCHAR(40) NOT NULL)",
            transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        int? existing;
        await using (var query = connection.Command("SELECT version FROM dxmig_schema WHERE component = @component", transaction, ("component", component)))
        {
            var value = await query.ExecuteScalarAsync(cancellationToken);
            existing = value is null or DBNull ? null : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (existing is null)
        {
            await using (var create = connection.Command(createScript(), transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var insert = connection.Command(
                "INSERT INTO dxmig_schema (component, version, applied_utc) VALUES (@component, @version, @applied)", transaction,
                ("component", component), ("version", version), ("applied", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        else if (existing != version)
        {
            throw new StoreSchemaException(
                $"データベースの {component} スキーマはバージョン {existing} ですが、この dxmig は {version} を使います / " +
                $"the database holds {component} schema version {existing}, this dxmig uses {version}");
        }

        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>The database's schema does not match this build of dxmig.</summary>
public sealed class StoreSchemaException : Exception
{
    public StoreSchemaException()
    {
    }

    public StoreSchemaException(string message)
        : base(message)
    {
    }

    public StoreSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

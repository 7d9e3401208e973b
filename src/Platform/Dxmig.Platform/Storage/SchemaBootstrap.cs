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
        var database = context.Database;
        var isSqlite = database.IsSqlite();
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await database.ExecuteSqlRawAsync(
                "CREATE TABLE IF NOT EXISTS dxmig_schema (component VARCHAR(100) PRIMARY KEY, version INTEGER NOT NULL, applied_utc VARCHAR(40) NOT NULL)",
                cancellationToken);
            await using var transaction = await database.BeginTransactionAsync(cancellationToken);
            if (!isSqlite)
            {
                // Two processes starting at once must not both create the tables.
                await database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7152026)", cancellationToken);
            }

            var existing = await database
                .SqlQueryRaw<int>("SELECT version AS \"Value\" FROM dxmig_schema WHERE component = {0}", component)
                .ToListAsync(cancellationToken);
            if (existing.Count == 0)
            {
                var script = database.GenerateCreateScript();
                await database.ExecuteSqlRawAsync(script, cancellationToken);
                await database.ExecuteSqlRawAsync(
                    "INSERT INTO dxmig_schema (component, version, applied_utc) VALUES ({0}, {1}, {2})",
                    [component, version, DateTimeOffset.UtcNow.ToString("O")],
                    cancellationToken);
            }
            else if (existing[0] != version)
            {
                throw new StoreSchemaException(
                    $"データベースの {component} スキーマはバージョン {existing[0]} ですが、この dxmig は {version} を使います / " +
                    $"the database holds {component} schema version {existing[0]}, this dxmig uses {version}");
            }

            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
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

using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Dxmig.Platform.Storage;

/// <summary>Builds EF Core options for a store location: SQLite in WAL mode, or PostgreSQL.</summary>
public static class StoreContextFactory
{
    public static DbContextOptions<TContext> CreateOptions<TContext>(StoreLocation location)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(location);
        var builder = new DbContextOptionsBuilder<TContext>();
        switch (location.Provider)
        {
            case StoreProvider.Sqlite:
                Directory.CreateDirectory(Path.GetDirectoryName(location.Display)!);
                builder.UseSqlite(location.ConnectionString, o => o.CommandTimeout(120));
                builder.AddInterceptors(SqlitePragmas.Instance);
                break;
            case StoreProvider.PostgreSql:
                if (location.PinnedSha256 is not null)
                {
                    builder.UseNpgsql(PostgresTls.PinnedDataSource(location), o => o.CommandTimeout(120));
                }
                else
                {
                    builder.UseNpgsql(location.ConnectionString, o => o.CommandTimeout(120));
                }

                builder.AddInterceptors(new PostgresRefusals(location));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(location), location.Provider, "unknown store provider");
        }

        // Parameter values may hold personal data; EF Core never logs them unless told to. Keep it so.
        builder.EnableSensitiveDataLogging(false);
        return builder.Options;
    }

    /// <summary>A refused server certificate becomes the plain message of <see cref="PostgresTls.Explain"/> (no stack, no secret).</summary>
    private sealed class PostgresRefusals(StoreLocation location) : DbConnectionInterceptor
    {
        public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData)
        {
            if (PostgresTls.Explain(eventData.Exception, location) is { } refused)
            {
                throw refused;
            }
        }

        public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            ConnectionFailed(connection, eventData);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// WAL keeps a committed batch through kill -9 of the process; synchronous=NORMAL is durable for process crashes
    /// (a power cut may lose the last commits, which the target-side look-up on resume then finds).
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = StoreConnections.SqlitePragmas;
            command.ExecuteNonQuery();
        }
    }
}

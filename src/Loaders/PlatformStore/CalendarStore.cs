using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>Creating the calendar tables and keeping the facility table (times are stored in UTC: <see cref="Contracts.Text.JapanTime.ToUtc"/>).</summary>
public static class CalendarStore
{
    /// <summary>Creates the tables when missing (PostgreSQL: the staging tables UNLOGGED, they only hold a batch in flight) and upserts the facilities.</summary>
    public static async Task EnsureAsync(CalendarDbContext db, FacilityMap? facilities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using (db)
        {
            await SchemaBootstrap.EnsureAsync(db, CalendarDbContext.Component, CalendarDbContext.SchemaVersion, cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!db.Database.IsSqlite())
            {
                foreach (var staging in new[] { "schedule_staging", "reservation_staging" })
                {
                    await using var unlogged = connection.Command($"ALTER TABLE {staging} SET UNLOGGED", transaction);
                    await unlogged.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            foreach (var f in facilities?.All ?? [])
            {
                await using var upsert = connection.Command(
                    "INSERT INTO facilities (\"Code\", \"Name\", \"RoomAddress\") VALUES (@code, @name, @room) " +
                    "ON CONFLICT (\"Code\") DO UPDATE SET \"Name\" = excluded.\"Name\", \"RoomAddress\" = excluded.\"RoomAddress\"",
                    transaction, ("code", f.Code), ("name", f.Name), ("room", f.RoomAddress));
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }
}

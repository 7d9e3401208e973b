using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Platform.Storage;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads the device inventory and the telework permissions into the platform store, like
/// <see cref="PlatformStaffLoader"/>: each batch bulk-copied into a staging table (linq2db BulkCopy; PostgreSQL binary
/// COPY), then, in one transaction, the history kept (an open <c>device_assignments</c> row closed when the device is
/// lent to someone else or returned, a new one opened; the same for <c>sim_installations</c> when a device's SIM
/// changes), <c>sims</c> upserted by ICCID, and <c>devices</c> / <c>telework_permissions</c> upserted by natural key,
/// unchanged rows left alone. Loading the same batch twice changes nothing. A device gone from the inventory (a removal)
/// is retired, never deleted (<see cref="RetireAsync"/>). Returns <c>device/{asset}</c> or
/// <c>telework-permission/{employee}/{system}</c>.
/// </summary>
public sealed class PlatformMobileLoader : ILoader<MobileRecord>, IKeyedUpsertLoader
{
    /// <summary>
    /// Every write is keyed (devices by asset number, SIMs by ICCID, permissions by employee and system; the history rows
    /// opened or closed only where the device's holder or SIM differs from the open row) in one transaction per batch, and
    /// the target key is the natural key: the same batch written twice changes nothing the second time.
    /// </summary>
    public bool UpsertsByKey => true;

    private static readonly string[] DeviceColumnNames =
    [
        "AssetNumber", "ContentHash", "SourceLocation", "SerialNumber", "Model", "Os", "Iccid", "PhoneE164", "PhoneText", "Carrier", "State",
        "StateText", "LentTo", "DepartmentCode", "LentFrom", "LentUntil", "LendingPeriodText", "CreatedUtc", "UpdatedUtc",
    ];

    private static readonly string[] PermissionColumnNames =
    [
        "EmployeeId", "SystemKey", "ContentHash", "SourceLocation", "SystemText", "Name", "DepartmentCode", "ValidFrom", "ValidUntil", "CreatedUtc", "UpdatedUtc",
    ];

    private readonly DbContextOptions<MobileDbContext> options;
    private readonly TimeProvider time;
    private readonly BulkCopyType bulkCopyType;
    private readonly SemaphoreSlim gate = new(1, 1);

    static PlatformMobileLoader() => LinqToDBForEFTools.Initialize();

    private PlatformMobileLoader(StoreLocation location, TimeProvider time)
    {
        options = StoreContextFactory.CreateOptions<MobileDbContext>(location);
        Location = location;
        this.time = time;
        bulkCopyType = location.Provider == StoreProvider.PostgreSql ? BulkCopyType.ProviderSpecific : BulkCopyType.MultipleRows;
    }

    public StoreLocation Location { get; }

    /// <summary>Opens the store, creating the mobile-work tables (and the staff directory's, which the conflicts are checked against) when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformMobileLoader> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var loader = new PlatformMobileLoader(location, time);
        await using var db = loader.CreateContext();
        await SchemaBootstrap.EnsureAsync(db, MobileDbContext.Component, MobileDbContext.SchemaVersion, cancellationToken);
        await using var staff = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(location));
        await SchemaBootstrap.EnsureAsync(staff, StaffDbContext.Component, StaffDbContext.SchemaVersion, cancellationToken);
        return loader;
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<MobileRecord>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var batchId = Guid.NewGuid().ToString("N");
            var now = time.GetUtcNow().UtcDateTime;
            var today = Date(JapanTime.Today(time));
            var devices = batch.Where(r => !r.Removal).Select(r => r.Item).OfType<DeviceRecord>().GroupBy(d => d.AssetNumber, StringComparer.Ordinal)
                .Select(g => Staging(g.Last(), batchId, now)).ToList();
            var retired = batch.Where(r => r.Removal).Select(r => r.Item).OfType<DeviceRecord>().Select(d => d.AssetNumber).Distinct(StringComparer.Ordinal).ToList();
            var permissions = batch.Select(r => r.Item).OfType<TeleworkPermissionRecord>().GroupBy(p => (p.EmployeeId, p.SystemKey))
                .Select(g => Staging(g.Last(), batchId, now)).ToList();

            await using var db = CreateContext();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            var tx = transaction.GetDbTransaction();
            async Task Run(string sql)
            {
                await using var command = connection.Command(sql, tx, ("batch", batchId), ("now", now), ("today", today));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var chunk in retired.Chunk(500))
            {
                await RetireAsync(connection, tx, chunk, now, today, cancellationToken);
            }

            if (devices.Count > 0)
            {
                await BulkRows.CopyAsync(db, bulkCopyType, devices, cancellationToken);
                await History(Run, "device_assignments", "EmployeeId", "LentTo");
                await History(Run, "sim_installations", "Iccid", "Iccid");
                await Run("INSERT INTO sims (\"Iccid\", \"PhoneE164\", \"Carrier\", \"UpdatedUtc\") " +
                          "SELECT \"Iccid\", MAX(\"PhoneE164\"), MAX(\"Carrier\"), @now FROM device_staging WHERE \"BatchId\" = @batch AND \"Iccid\" IS NOT NULL GROUP BY \"Iccid\" " +
                          "ON CONFLICT (\"Iccid\") DO UPDATE SET \"PhoneE164\" = excluded.\"PhoneE164\", \"Carrier\" = excluded.\"Carrier\", \"UpdatedUtc\" = excluded.\"UpdatedUtc\"");
                await Run(Upsert("devices", "device_staging", DeviceColumnNames, 1));
                await Run("DELETE FROM device_staging WHERE \"BatchId\" = @batch");
            }

            if (permissions.Count > 0)
            {
                await BulkRows.CopyAsync(db, bulkCopyType, permissions, cancellationToken);
                await Run(Upsert("telework_permissions", "telework_permission_staging", PermissionColumnNames, 2));
                await Run("DELETE FROM telework_permission_staging WHERE \"BatchId\" = @batch");
            }

            await transaction.CommitAsync(cancellationToken);
            return [.. batch.Select(r => LoadOutcome.Loaded(r.Item switch
            {
                DeviceRecord d => $"device/{d.AssetNumber}",
                TeleworkPermissionRecord p => $"telework-permission/{p.EmployeeId}/{p.SystemKey}",
                _ => throw new ArgumentException("unknown record", nameof(batch)),
            }))];
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    internal MobileDbContext CreateContext() => new(options);

    /// <summary>
    /// Devices gone from the inventory: their open <c>device_assignments</c> and <c>sim_installations</c> rows closed
    /// today, the <c>devices</c> row kept (history matters) but marked retired (<see cref="MobileRules.Retired"/>, state
    /// text <see cref="RemovedStateText"/>, no longer lent, content hash <see cref="RemovedHash"/> so a device that
    /// comes back is written again and opens new history rows). Retiring twice changes nothing more.
    /// </summary>
    private static async Task RetireAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, string[] assets, DateTime now, string? today, CancellationToken cancellationToken)
    {
        var parameters = new List<(string, object?)> { ("now", now), ("today", today), ("hash", RemovedHash), ("text", RemovedStateText), ("retired", MobileRules.Retired) };
        parameters.AddRange(assets.Select((a, i) => ($"a{i}", (object?)a)));
        var list = string.Join(", ", assets.Select((_, i) => $"@a{i}"));
        foreach (var sql in new[]
                 {
                     $"UPDATE device_assignments SET \"ValidTo\" = @today WHERE \"ValidTo\" IS NULL AND \"AssetNumber\" IN ({list})",
                     $"UPDATE sim_installations SET \"ValidTo\" = @today WHERE \"ValidTo\" IS NULL AND \"AssetNumber\" IN ({list})",
                     "UPDATE devices SET \"State\" = @retired, \"StateText\" = @text, \"LentTo\" = NULL, \"ContentHash\" = @hash, \"UpdatedUtc\" = @now " +
                     $"WHERE \"ContentHash\" <> @hash AND \"AssetNumber\" IN ({list})",
                 })
        {
            await using var command = connection.Command(sql, tx, [.. parameters]);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The content hash of a device retired because it is gone from the inventory.</summary>
    public const string RemovedHash = "removed";

    /// <summary>The state text of a device retired because it is gone from the inventory.</summary>
    public const string RemovedStateText = "台帳から削除 / removed from the inventory";

    /// <summary>Closes the open history rows the staged devices no longer match, and opens the ones they start.</summary>
    private static async Task History(Func<string, Task> run, string table, string column, string stagedColumn)
    {
        await run($"UPDATE {table} SET \"ValidTo\" = @today WHERE \"ValidTo\" IS NULL AND EXISTS (SELECT 1 FROM device_staging s WHERE s.\"BatchId\" = @batch " +
                  $"AND s.\"AssetNumber\" = {table}.\"AssetNumber\" AND (s.\"{stagedColumn}\" IS NULL OR s.\"{stagedColumn}\" <> {table}.\"{column}\"))");
        await run($"INSERT INTO {table} (\"AssetNumber\", \"{column}\", \"ValidFrom\", \"RecordedUtc\") " +
                  $"SELECT s.\"AssetNumber\", s.\"{stagedColumn}\", {(column == "EmployeeId" ? LentFromUnlessReturning() : "@today")}, @now FROM device_staging s " +
                  $"WHERE s.\"BatchId\" = @batch AND s.\"{stagedColumn}\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} h WHERE h.\"AssetNumber\" = s.\"AssetNumber\" AND h.\"ValidTo\" IS NULL)");
    }

    /// <summary>
    /// A new assignment starts at the lending start the export gives (else the day it is seen); for a device back in the
    /// inventory after it was retired for being gone, the day it is seen (its old lending start would overlap the
    /// history closed at its retirement).
    /// </summary>
    private static string LentFromUnlessReturning() =>
        $"CASE WHEN EXISTS (SELECT 1 FROM devices d WHERE d.\"AssetNumber\" = s.\"AssetNumber\" AND d.\"ContentHash\" = '{RemovedHash}') " +
        "THEN @today ELSE COALESCE(s.\"LentFrom\", @today) END";

    private static string Upsert(string table, string staging, string[] columns, int keys)
    {
        var quoted = string.Join(", ", columns.Select(c => $"\"{c}\""));
        return $"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {staging} WHERE \"BatchId\" = @batch " +
               $"ON CONFLICT ({string.Join(", ", columns.Take(keys).Select(c => $"\"{c}\""))}) DO UPDATE SET " +
               string.Join(", ", columns.Skip(keys).Where(c => c != "CreatedUtc").Select(c => $"\"{c}\" = excluded.\"{c}\"")) +
               $" WHERE {table}.\"ContentHash\" <> excluded.\"ContentHash\"";
    }

    /// <summary>A date as the mobile tables store it: yyyy-MM-dd text.</summary>
    internal static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DeviceStagingEntity Staging(DeviceRecord d, string batchId, DateTime now) => new()
    {
        BatchId = batchId,
        AssetNumber = d.AssetNumber,
        ContentHash = d.ContentHash,
        SourceLocation = d.SourceLocation,
        SerialNumber = d.SerialNumber,
        Model = d.Original.Model,
        Os = d.Original.Os,
        Iccid = d.Iccid,
        PhoneE164 = d.PhoneE164,
        PhoneText = d.Original.PhoneNumber,
        Carrier = d.Original.Carrier,
        State = d.State,
        StateText = d.Original.State,
        LentTo = d.LentTo,
        DepartmentCode = d.DepartmentCode,
        LentFrom = Date(d.LentFrom),
        LentUntil = Date(d.LentUntil),
        LendingPeriodText = d.Original.LendingPeriod,
        CreatedUtc = now,
        UpdatedUtc = now,
    };

    private static TeleworkPermissionStagingEntity Staging(TeleworkPermissionRecord p, string batchId, DateTime now) => new()
    {
        BatchId = batchId,
        EmployeeId = p.EmployeeId,
        SystemKey = p.SystemKey,
        ContentHash = p.ContentHash,
        SourceLocation = p.SourceLocation,
        SystemText = p.Original.System,
        Name = p.Original.Name,
        DepartmentCode = p.DepartmentCode,
        ValidFrom = Date(p.ValidFrom),
        ValidUntil = Date(p.ValidUntil),
        CreatedUtc = now,
        UpdatedUtc = now,
    };
}

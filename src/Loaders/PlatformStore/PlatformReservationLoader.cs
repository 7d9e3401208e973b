using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Platform.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads CESS facility reservations into the platform store's <c>reservations</c> table, upserted by reservation id as
/// <see cref="PlatformUpsertLoader{TRecord, TStaging, TEntity, TContext}"/> describes; the facility table is upserted when the
/// loader opens. Returns <c>reservation/{id}</c>.
/// </summary>
public sealed class PlatformReservationLoader : PlatformUpsertLoader<ReservationRecord, ReservationStagingEntity, ReservationEntity, CalendarDbContext>
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "ReservationId", "FacilityCode", "RoomAddress", "ReserverId", "ReserverUpn", "Purpose", "StartUtc", "EndUtc", "Memo", "ContentHash",
        "SourceLocation", "CreatedUtc", "UpdatedUtc",
    ];

    private PlatformReservationLoader(StoreLocation location, TimeProvider time)
        : base(location, time, o => new CalendarDbContext(o), "reservations", "reservation_staging", Columns)
    {
    }

    /// <summary>Opens the store, creating the calendar tables when missing, and upserts the facility table.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformReservationLoader> OpenAsync(StoreLocation location, FacilityMap facilities, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facilities);
        var loader = new PlatformReservationLoader(location, time);
        await CalendarStore.EnsureAsync(loader.CreateContext(), facilities, cancellationToken);
        return loader;
    }

    protected override string KeyOf(ReservationRecord record) => record.ReservationId;

    protected override string TargetKey(string key) => "reservation/" + key;

    protected override ReservationEntity ToEntity(ReservationRecord record, DateTime now) => Row(record, now, () => new ReservationEntity
    {
        ReservationId = record.ReservationId, FacilityCode = record.FacilityCode, RoomAddress = record.RoomAddress, ReserverId = record.ReserverId,
        ReserverUpn = record.ReserverUpn, ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
    });

    protected override ReservationStagingEntity ToStaging(ReservationRecord record, string batchId, DateTime now) => Row(record, now, () => new ReservationStagingEntity
    {
        BatchId = batchId, ReservationId = record.ReservationId, FacilityCode = record.FacilityCode, RoomAddress = record.RoomAddress,
        ReserverId = record.ReserverId, ReserverUpn = record.ReserverUpn, ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
    });

    private static T Row<T>(ReservationRecord record, DateTime now, Func<T> create)
        where T : ReservationColumns
    {
        var row = create();
        row.Purpose = record.Original.Purpose;
        row.StartUtc = JapanTime.ToUtc(record.Appointment.Start);
        row.EndUtc = JapanTime.ToUtc(record.Appointment.End);
        row.Memo = record.Original.Memo;
        row.CreatedUtc = now;
        row.UpdatedUtc = now;
        return row;
    }
}

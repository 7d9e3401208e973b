using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Platform.Storage;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// Loads CESS schedules into the platform store's <c>schedules</c> table, upserted by schedule id as
/// <see cref="PlatformUpsertLoader{TRecord, TStaging, TEntity, TContext}"/> describes; times stored in UTC. Returns <c>schedule/{id}</c>.
/// </summary>
public sealed class PlatformScheduleLoader : PlatformUpsertLoader<ScheduleRecord, ScheduleStagingEntity, ScheduleEntity, CalendarDbContext>
{
    /// <summary>The columns <c>schedules</c> and its staging table share, the key first.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "ScheduleId", "OwnerId", "OwnerUpn", "Calendars", "ParticipantIds", "Title", "Place", "StartUtc", "EndUtc", "AllDay", "Recurrence",
        "Private", "Memo", "ContentHash", "SourceLocation", "CreatedUtc", "UpdatedUtc",
    ];

    private PlatformScheduleLoader(StoreLocation location, TimeProvider time)
        : base(location, time, o => new CalendarDbContext(o), "schedules", "schedule_staging", Columns)
    {
    }

    /// <summary>Opens the store, creating the calendar tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another schema version.</exception>
    public static async Task<PlatformScheduleLoader> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        var loader = new PlatformScheduleLoader(location, time);
        await CalendarStore.EnsureAsync(loader.CreateContext(), null, cancellationToken);
        return loader;
    }

    /// <summary>The staging row of a schedule (also what the benchmark's plain EF Core path adds, as a <see cref="ScheduleEntity"/>).</summary>
    public static T ToRow<T>(ScheduleRecord schedule, DateTime now, Func<T> create)
        where T : ScheduleColumns
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(create);
        var e = schedule.Appointment;
        var row = create();
        row.Calendars = string.Join(';', schedule.Calendars);
        row.ParticipantIds = schedule.ParticipantIds;
        row.Title = e.Subject;
        row.Place = e.Location;
        row.StartUtc = JapanTime.ToUtc(e.Start);
        row.EndUtc = JapanTime.ToUtc(e.End);
        row.AllDay = e.AllDay;
        row.Recurrence = e.Recurrence?.ToString();
        row.Private = e.Private;
        row.Memo = schedule.Original.Memo;
        row.CreatedUtc = now;
        row.UpdatedUtc = now;
        return row;
    }

    protected override string KeyOf(ScheduleRecord record) => record.ScheduleId;

    protected override string TargetKey(string key) => "schedule/" + key;

    protected override ScheduleEntity ToEntity(ScheduleRecord record, DateTime now) =>
        ToRow(record, now, () => new ScheduleEntity
        {
            ScheduleId = record.ScheduleId, OwnerId = record.OwnerId, OwnerUpn = record.OwnerUpn, ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
        });

    protected override ScheduleStagingEntity ToStaging(ScheduleRecord record, string batchId, DateTime now) =>
        ToRow(record, now, () => new ScheduleStagingEntity
        {
            BatchId = batchId, ScheduleId = record.ScheduleId, OwnerId = record.OwnerId, OwnerUpn = record.OwnerUpn,
            ContentHash = record.ContentHash, SourceLocation = record.SourceLocation,
        });
}

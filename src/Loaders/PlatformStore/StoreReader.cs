using System.Data.Common;
using System.Runtime.CompilerServices;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The platform store's read side, for reconciliation: one method per table, each one query through the EF Core model
/// (untracked, streamed row by row with <c>AsAsyncEnumerable</c>, so a table of a million rows is never held whole),
/// ordered by the table's natural key. A table that was never created (nothing ever loaded into this store) yields no
/// rows, recognised by <see cref="StoreErrors.IsMissingTable"/>. <see cref="Queries"/> counts the queries sent.
/// </summary>
public sealed class StoreReader(StoreLocation location)
{
    private long queries;

    public StoreLocation Location { get; } = location ?? throw new ArgumentNullException(nameof(location));

    /// <summary>Queries sent so far (one per table read).</summary>
    public long Queries => Interlocked.Read(ref queries);

    /// <summary><c>staff</c>, by employee id.</summary>
    public IAsyncEnumerable<StaffEntity> StaffAsync(CancellationToken cancellationToken) =>
        ReadAsync<StaffDbContext, StaffEntity>(o => new StaffDbContext(o), db => db.Staff.OrderBy(s => s.EmployeeId), cancellationToken);

    /// <summary>The <c>contacts</c> of one owner account from one source system, by row id.</summary>
    public IAsyncEnumerable<ContactEntity> ContactsAsync(string sourceSystem, string ownerAccount, CancellationToken cancellationToken) =>
        ReadAsync<PlatformDbContext, ContactEntity>(
            o => new PlatformDbContext(o),
            db => db.Contacts.Where(c => c.SourceSystem == sourceSystem && c.OwnerAccount == ownerAccount).OrderBy(c => c.Id),
            cancellationToken);

    /// <summary><c>documents</c>, by source path: where each file went and what it holds.</summary>
    public IAsyncEnumerable<DocumentRow> DocumentsAsync(CancellationToken cancellationToken) =>
        ReadAsync<DocumentDbContext, DocumentRow>(
            o => new DocumentDbContext(o),
            db => db.Documents.OrderBy(d => d.SourcePath).Select(d => new DocumentRow(d.SourcePath, d.TargetPath, d.OwnerUpn, d.Size, d.Sha256)),
            cancellationToken);

    /// <summary><c>schedules</c>, by schedule id.</summary>
    public IAsyncEnumerable<CalendarRow> SchedulesAsync(CancellationToken cancellationToken) =>
        ReadAsync<CalendarDbContext, CalendarRow>(
            o => new CalendarDbContext(o),
            db => db.Schedules.OrderBy(s => s.ScheduleId).Select(s => new CalendarRow(s.ScheduleId, s.SourceLocation, s.ContentHash)),
            cancellationToken);

    /// <summary><c>reservations</c>, by reservation id.</summary>
    public IAsyncEnumerable<CalendarRow> ReservationsAsync(CancellationToken cancellationToken) =>
        ReadAsync<CalendarDbContext, CalendarRow>(
            o => new CalendarDbContext(o),
            db => db.Reservations.OrderBy(r => r.ReservationId).Select(r => new CalendarRow(r.ReservationId, r.SourceLocation, r.ContentHash)),
            cancellationToken);

    /// <summary><c>devices</c>, by asset number.</summary>
    public IAsyncEnumerable<DeviceEntity> DevicesAsync(CancellationToken cancellationToken) =>
        ReadAsync<MobileDbContext, DeviceEntity>(o => new MobileDbContext(o), db => db.Devices.OrderBy(d => d.AssetNumber), cancellationToken);

    /// <summary><c>telework_permissions</c>, by employee id and system.</summary>
    public IAsyncEnumerable<TeleworkPermissionEntity> TeleworkPermissionsAsync(CancellationToken cancellationToken) =>
        ReadAsync<MobileDbContext, TeleworkPermissionEntity>(
            o => new MobileDbContext(o), db => db.TeleworkPermissions.OrderBy(p => p.EmployeeId).ThenBy(p => p.SystemKey), cancellationToken);

    private async IAsyncEnumerable<T> ReadAsync<TContext, T>(
        Func<DbContextOptions<TContext>, TContext> create, Func<TContext, IQueryable<T>> query, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TContext : DbContext
        where T : class
    {
        await using var db = create(StoreContextFactory.CreateOptions<TContext>(Location));
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        await using var rows = query(db).AsNoTracking().AsAsyncEnumerable().GetAsyncEnumerator(cancellationToken);
        Interlocked.Increment(ref queries);
        bool more;
        try
        {
            more = await rows.MoveNextAsync();
        }
        catch (DbException ex) when (StoreErrors.IsMissingTable(ex))
        {
            more = false; // nothing was ever loaded into this store
        }

        while (more)
        {
            yield return rows.Current;
            more = await rows.MoveNextAsync();
        }
    }
}

/// <summary>What reconciliation reads of a <c>documents</c> row.</summary>
public sealed record DocumentRow(string SourcePath, string TargetPath, string OwnerUpn, long Size, string Sha256);

/// <summary>What reconciliation reads of a <c>schedules</c> or <c>reservations</c> row: its id, where it came from, its content hash.</summary>
public sealed record CalendarRow(string Id, string SourceLocation, string ContentHash);

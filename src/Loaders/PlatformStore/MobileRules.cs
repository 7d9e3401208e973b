using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The mobile-work rules an admin must see, checked on the platform store as it is now (not on a run's items), through
/// the EF Core model (<see cref="MobileDbContext"/>, the staff directory read through
/// <see cref="MobileDbContext.StaffDirectory"/>), untracked, in the same SQL on SQLite and PostgreSQL: the staff
/// directory empty (then nobody is checked against it), a device lent to someone not in it, a permission for someone
/// not in it, a SIM in more than one device that is not retired, a lending period over while the device is still lent.
/// The tables must exist (<see cref="PlatformMobileLoader.OpenAsync"/> creates them).
/// </summary>
public static class MobileRules
{
    /// <summary><see cref="DeviceColumns.State"/> of a device lent to someone.</summary>
    public const string Lent = "lent";

    /// <summary><see cref="DeviceColumns.State"/> of a device taken out of service (its SIM no longer counts).</summary>
    public const string Retired = "retired";

    /// <summary>Checks every rule.</summary>
    /// <param name="location">The platform store.</param>
    /// <param name="today">Today in Japan: a lending period ending before it is over.</param>
    /// <param name="cancellationToken">Stops the queries.</param>
    /// <exception cref="System.Data.Common.DbException">The store could not be read (its tables missing among others).</exception>
    public static async Task<MobileRuleFindings> CheckAsync(StoreLocation location, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        await using var db = new MobileDbContext(StoreContextFactory.CreateOptions<MobileDbContext>(location));
        var queries = 1;
        var staffEmpty = !await db.StaffDirectory.AnyAsync(cancellationToken);
        List<LentToUnknownPerson> lentToUnknown = [];
        List<PermissionForUnknownPerson> permissionsForUnknown = [];
        if (!staffEmpty)
        {
            queries += 2;
            lentToUnknown = await db.Devices.AsNoTracking()
                .Where(d => d.State == Lent && d.LentTo != null && !db.StaffDirectory.Any(s => s.EmployeeId == d.LentTo))
                .Select(d => new LentToUnknownPerson(d.AssetNumber, d.LentTo!, d.SourceLocation))
                .ToListAsync(cancellationToken);
            permissionsForUnknown = await db.TeleworkPermissions.AsNoTracking()
                .Where(p => !db.StaffDirectory.Any(s => s.EmployeeId == p.EmployeeId))
                .Select(p => new PermissionForUnknownPerson(p.EmployeeId, p.SystemKey, p.SourceLocation))
                .ToListAsync(cancellationToken);
        }

        queries++;
        var shared = await db.Devices.AsNoTracking()
            .Where(d => d.Iccid != null && d.State != Retired)
            .GroupBy(d => d.Iccid!)
            .Where(g => g.Count() > 1)
            .Select(g => new { Iccid = g.Key, Devices = g.Count() })
            .ToListAsync(cancellationToken);
        List<SimInSeveralDevices> sims = [];
        if (shared.Count > 0)
        {
            // Every device holding one of those SIMs, retired ones included, as the message lists them.
            queries++;
            var iccids = shared.Select(s => s.Iccid).ToList();
            var holders = (await db.Devices.AsNoTracking()
                    .Where(d => d.Iccid != null && iccids.Contains(d.Iccid))
                    .OrderBy(d => d.AssetNumber)
                    .Select(d => new { Iccid = d.Iccid!, d.AssetNumber })
                    .ToListAsync(cancellationToken))
                .ToLookup(h => h.Iccid, h => h.AssetNumber, StringComparer.Ordinal);
            sims = [.. shared.Select(s => new SimInSeveralDevices(s.Iccid, s.Devices, [.. holders[s.Iccid]]))];
        }

        // LentUntil is stored as yyyy-MM-dd text (both providers), so it is compared as text with today written the same way.
        queries++;
        var todayText = PlatformMobileLoader.Date(today)!;
        var overdue = await db.Devices.AsNoTracking()
            .Where(d => d.State == Lent && d.LentUntil != null && d.LentUntil.CompareTo(todayText) < 0)
            .Select(d => new LendingPeriodOver(d.AssetNumber, d.LentTo, d.LentUntil!, d.SourceLocation))
            .ToListAsync(cancellationToken);
        return new MobileRuleFindings(staffEmpty, lentToUnknown, permissionsForUnknown, sims, overdue, queries);
    }
}

/// <summary>What <see cref="MobileRules.CheckAsync"/> found, and the number of queries it sent.</summary>
/// <param name="StaffDirectoryEmpty">The staff directory has no row: nobody was checked against it (the two lists of unknown people are empty).</param>
/// <param name="LentToUnknownPeople">Devices lent to someone not in the staff directory.</param>
/// <param name="PermissionsForUnknownPeople">Permissions for someone not in the staff directory.</param>
/// <param name="SimsInSeveralDevices">SIMs in more than one device that is not retired.</param>
/// <param name="LendingPeriodsOver">Devices still lent after their lending period ended.</param>
/// <param name="Queries">The queries sent to the store.</param>
public sealed record MobileRuleFindings(
    bool StaffDirectoryEmpty,
    IReadOnlyList<LentToUnknownPerson> LentToUnknownPeople,
    IReadOnlyList<PermissionForUnknownPerson> PermissionsForUnknownPeople,
    IReadOnlyList<SimInSeveralDevices> SimsInSeveralDevices,
    IReadOnlyList<LendingPeriodOver> LendingPeriodsOver,
    int Queries);

/// <summary>A device lent to an employee id the staff directory does not hold.</summary>
public sealed record LentToUnknownPerson(string AssetNumber, string LentTo, string SourceLocation);

/// <summary>A telework permission for an employee id the staff directory does not hold.</summary>
public sealed record PermissionForUnknownPerson(string EmployeeId, string SystemKey, string SourceLocation);

/// <summary>A SIM in <paramref name="Devices"/> devices not retired; <paramref name="AssetNumbers"/>: every device holding it, by asset number.</summary>
public sealed record SimInSeveralDevices(string Iccid, int Devices, IReadOnlyList<string> AssetNumbers);

/// <summary>A device still lent after its lending period ended (<paramref name="LentUntil"/>, yyyy-MM-dd).</summary>
public sealed record LendingPeriodOver(string AssetNumber, string? LentTo, string LentUntil, string SourceLocation);

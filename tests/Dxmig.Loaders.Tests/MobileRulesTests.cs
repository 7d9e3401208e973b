using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using static Dxmig.Loaders.Tests.StoreSamples;

namespace Dxmig.Loaders.Tests;

/// <summary>The mobile-work rules on a real SQLite file and a real private PostgreSQL: the same findings on both.</summary>
public sealed class MobileRulesTests(PostgresFixture postgres) : IDisposable, IClassFixture<PostgresFixture>
{
    private static readonly DateOnly Today = new(2024, 4, 1);
    private readonly TempFolder folder = new();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Check_FindsUnknownPeople_SharedSims_AndLendingsOver_AndNothingElse(string provider)
    {
        var location = await OpenAsync(provider);
        await using (var db = new MobileDbContext(StoreContextFactory.CreateOptions<MobileDbContext>(location)))
        {
            db.Devices.AddRange(
                Device("D01", "lent", lentTo: "X999"),                           // lent to someone unknown
                Device("D02", "lent", lentTo: "H001", lentUntil: "2024-04-01"),  // known; period ends today: not over
                Device("D03", "stock", lentTo: "X998", lentUntil: "2024-01-31"), // not lent: neither rule applies
                Device("D04", "lent", lentTo: "H002", lentUntil: "2024-03-31"),  // period over yesterday
                Device("D05", "lent", lentUntil: "2023-12-31"),                  // over, lent to nobody named
                Device("D06", "stock", iccid: "8981100000000000001"),
                Device("D07", "repair", iccid: "8981100000000000001"),
                Device("D08", "retired", iccid: "8981100000000000001"),          // listed as a holder, not counted
                Device("D09", "stock", iccid: "8981100000000000002"),
                Device("D10", "retired", iccid: "8981100000000000002"));          // only one live device: no conflict
            db.TeleworkPermissions.AddRange(Permission("H001", "mobile"), Permission("X997", "home"));
            await db.SaveChangesAsync();
        }

        await AddStaffAsync(location, "H001", "H002");

        var findings = await MobileRules.CheckAsync(location, Today, CancellationToken.None);

        findings.StaffDirectoryEmpty.Should().BeFalse();
        findings.LentToUnknownPeople.Should().Equal(new LentToUnknownPerson("D01", "X999", "devices.csv:D01"));
        findings.PermissionsForUnknownPeople.Should().Equal(new PermissionForUnknownPerson("X997", "home", "permissions.csv:X997"));
        findings.SimsInSeveralDevices.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new SimInSeveralDevices("8981100000000000001", 2, ["D06", "D07", "D08"]), o => o.WithStrictOrdering());
        findings.LendingPeriodsOver.OrderBy(d => d.AssetNumber, StringComparer.Ordinal).Should().Equal(
            new LendingPeriodOver("D04", "H002", "2024-03-31", "devices.csv:D04"),
            new LendingPeriodOver("D05", null, "2023-12-31", "devices.csv:D05"));
        findings.Queries.Should().Be(6);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task Check_StaffDirectoryEmpty_SaysSo_AndChecksNobodyAgainstIt(string provider)
    {
        var location = await OpenAsync(provider);
        await using (var db = new MobileDbContext(StoreContextFactory.CreateOptions<MobileDbContext>(location)))
        {
            db.Devices.Add(Device("D01", "lent", lentTo: "X999", lentUntil: "2024-03-01"));
            db.TeleworkPermissions.Add(Permission("X997", "home"));
            await db.SaveChangesAsync();
        }

        var findings = await MobileRules.CheckAsync(location, Today, CancellationToken.None);

        findings.StaffDirectoryEmpty.Should().BeTrue();
        findings.LentToUnknownPeople.Should().BeEmpty();
        findings.PermissionsForUnknownPeople.Should().BeEmpty();
        findings.SimsInSeveralDevices.Should().BeEmpty();
        findings.LendingPeriodsOver.Should().Equal(new LendingPeriodOver("D01", "X999", "2024-03-01", "devices.csv:D01"));
        findings.Queries.Should().Be(3, "the staff count, the SIMs and the lending periods: no holders to list, nobody to check");
    }

    [Fact]
    public async Task OpeningTheMobileStore_CreatesTheStaffTableOnce_TheMobileModelOnlyReadsIt()
    {
        var location = StoreLocation.Parse(folder.File("platform.db"), "/");
        await using (await PlatformMobileLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None))
        {
        }

        // Opened again: the staff component is there already, and the mobile component's script did not create it.
        await using (await PlatformMobileLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None))
        {
        }

        await using var db = new MobileDbContext(StoreContextFactory.CreateOptions<MobileDbContext>(location));
        Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GenerateCreateScript(db.Database)
            .Should().NotContain("\"staff\"", "the staff table belongs to the staff component");
    }

    public void Dispose() => folder.Dispose();

    private async Task<StoreLocation> OpenAsync(string provider)
    {
        var location = provider == "sqlite"
            ? StoreLocation.Parse(folder.File("platform.db"), "/")
            : StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
        await using (await PlatformMobileLoader.OpenAsync(location, TimeProvider.System, CancellationToken.None))
        {
        }

        return location;
    }

    private static async Task AddStaffAsync(StoreLocation location, params string[] ids)
    {
        await using var staff = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(location));
        staff.Staff.AddRange(ids.Select(id => new StaffEntity
        {
            EmployeeId = id, UserPrincipalName = $"{id}@pref.example.jp", ContentHash = id, SourceLocation = $"staff.csv:{id}", DisplayName = id,
        }));
        await staff.SaveChangesAsync();
    }
}

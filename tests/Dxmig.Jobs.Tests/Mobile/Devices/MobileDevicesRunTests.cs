using Dxmig.Jobs.Tests.Mobile;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Mobile.Devices;

/// <summary><c>kind: mobile-devices</c> end to end: devices, SIMs and permissions into the platform store with history, the conflicts report, re-runs.</summary>
public sealed class MobileDevicesRunTests : IDisposable
{
    private const int Devices = 40;
    private const int People = 120;
    private readonly MobileHarness mobile = new();

    public void Dispose() => mobile.Dispose();

    internal static async Task LoadAndCheckAsync(MobileHarness mobile)
    {
        await mobile.LoadStaffAsync(People);
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: true, Planted: true));
        var job = mobile.DevicesJob();

        var run = await mobile.Layer.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Quarantined.Should().Be(MobileSamples.PlantedBadDevices + MobileSamples.PlantedBadPermissions);
        run.Quarantined.Should().Contain(i => (i.Location ?? i.NativeId).Contains("devices.csv:", StringComparison.Ordinal));
        await using (var db = mobile.Db())
        {
            (await db.Devices.CountAsync()).Should().Be(Devices + 3, "40 devices and 3 planted conflicts load; 3 bad rows do not");
            var quoted = await db.Devices.SingleAsync(d => d.AssetNumber == MobileSamples.AssetNumber(3));
            quoted.Model.Should().Be("Let's note\r\nＦＶ３ (㈱髙島屋 経由)");
            quoted.LentFrom.Should().Be("2025-04-01", "令和7年4月1日");
            (await db.Sims.CountAsync()).Should().BeGreaterThan(30);
            (await db.TeleworkPermissions.CountAsync(p => p.SystemKey == "home")).Should().Be(People);
            (await db.DeviceAssignments.CountAsync(a => a.ValidTo == null)).Should().Be(await db.Devices.CountAsync(d => d.State == "lent"));
        }

        var conflicts = mobile.Conflicts();
        conflicts.Should().Contain(l => l.StartsWith("lent-to-unknown-person," + MobileSamples.AssetNumber(Devices), StringComparison.Ordinal));
        conflicts.Should().Contain(l => l.StartsWith("sim-in-two-devices," + MobileSamples.Iccid(1), StringComparison.Ordinal)
            && l.Contains(MobileSamples.AssetNumber(1), StringComparison.Ordinal) && l.Contains(MobileSamples.AssetNumber(Devices + 1), StringComparison.Ordinal));
        conflicts.Should().Contain(l => l.StartsWith("lending-period-over," + MobileSamples.AssetNumber(Devices + 2), StringComparison.Ordinal));
        conflicts.Should().Contain(l => l.StartsWith("permission-unknown-person," + MobileSamples.Unknown + "/mobile", StringComparison.Ordinal));
        conflicts.Should().HaveCount(5, "a header and exactly the four planted conflicts");
        run.Run.Message.Should().Contain("管理者が確認すべき不整合が 4 件");
    }

    [Fact]
    public async Task Run_PlantedExports_LoadsWithHistory_AndListsEachConflict() => await LoadAndCheckAsync(mobile);

    [Fact]
    public async Task Reconcile_ListsTheConflictsInTheReport_AndFindsADeviceChangedInTheStore()
    {
        await LoadAndCheckAsync(mobile);
        var job = mobile.DevicesJob();
        var report = Path.Combine(mobile.Workspace.Folder, "report");

        var reconcile = await mobile.Layer.ReconcileAsync(job, report);

        reconcile.ExitCode.Should().Be(ExitCodes.Quarantined, "conflicts need an admin: " + reconcile.Explain);
        reconcile.Outcome.Conflicts.Should().HaveCount(4, "the conflicts an admin must see");
        var summary = ReportSummary.Read(report);
        summary["totals"]!["differences"]!.GetValue<long>().Should().Be(0);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(0);
        summary["conflicts"]!["sim-in-two-devices"]!.GetValue<int>().Should().Be(1);
        summary["conflicts"]!["lent-to-unknown-person"]!.GetValue<int>().Should().Be(1);
        (await File.ReadAllLinesAsync(Path.Combine(report, "conflicts.csv"))).Should().HaveCount(5);
        var html = await File.ReadAllTextAsync(Path.Combine(report, "index.html"));
        html.Should().Contain("要確認の不整合 / Conflicts an admin must see (4)").And.Contain(MobileSamples.AssetNumber(Devices));

        await using (var db = mobile.Db())
        {
            var device = await db.Devices.SingleAsync(d => d.AssetNumber == MobileSamples.AssetNumber(2));
            device.LentTo = "X999999";
            await db.SaveChangesAsync();
        }

        var drifted = await mobile.Layer.ReconcileAsync(job, report + "2");
        drifted.ExitCode.Should().Be(ExitCodes.Failed, drifted.Explain);
        (await File.ReadAllTextAsync(Path.Combine(report + "2", "differences.csv"))).Should().Contain("LentTo").And.Contain("X999999");
    }

    [Fact]
    public async Task Run_WithTheBetaIntuneImport_UploadsTheLoadedDevicesSerials_AndNothingWhenNothingChanged()
    {
        await using var graph = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulator.GraphEmulatorOptions { Users = ["admin@pref.example.jp"] }, CancellationToken.None);
        await mobile.LoadStaffAsync(People);
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false));
        var job = mobile.DevicesJob(intune: graph);

        var run = await mobile.Layer.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var imported = graph.Store.Groups.ImportedDeviceIdentities;
        imported.Keys.Should().BeEquivalentTo(Enumerable.Range(0, Devices).Select(MobileSamples.Serial), "every loaded device's serial number, through /beta");
        var calls = graph.Stats.TotalRequests("importDeviceIdentityList");
        calls.Should().BePositive();

        (await mobile.Layer.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        graph.Stats.TotalRequests("importDeviceIdentityList").Should().Be(calls, "no device was loaded again, so none is sent again");
    }

    [Fact]
    public async Task Run_Again_ThenDeviceReturnedAndSimSwapped_ClosesAndOpensHistory()
    {
        await mobile.LoadStaffAsync(People);
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false));
        var job = mobile.DevicesJob();
        (await mobile.Layer.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        var again = await mobile.Layer.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Result.Accounts.Should().Contain(a => a.AlreadyDone == Devices);

        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false) { Returned = new HashSet<int> { 0 }, SwappedSim = new HashSet<int> { 1 } });
        var diff = await mobile.Layer.RunAsync(job);

        diff.ExitCode.Should().Be(ExitCodes.Success, diff.Explain);
        var returned = await mobile.AssignmentsAsync(MobileSamples.AssetNumber(0));
        returned.Should().ContainSingle().Which.ValidTo.Should().NotBeNull("the device went back to stock");
        await using var db = mobile.Db();
        var sims = await db.SimInstallations.Where(s => s.AssetNumber == MobileSamples.AssetNumber(1)).OrderBy(s => s.Id).ToListAsync();
        sims.Select(s => (s.Iccid, s.ValidTo is null)).Should().Equal((MobileSamples.Iccid(1), false), (MobileSamples.Iccid(100_001), true));
        (await db.Devices.SingleAsync(d => d.AssetNumber == MobileSamples.AssetNumber(0))).State.Should().Be("stock");
    }
}

/// <summary>The same load against PostgreSQL (binary COPY into the staging tables, the same upserts and history statements).</summary>
public sealed class MobileDevicesPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Run_PlantedExports_OnPostgres_LoadsWithHistory_AndListsEachConflict()
    {
        using var mobile = new MobileHarness(await postgres.Server.CreateDatabaseAsync());
        await MobileDevicesRunTests.LoadAndCheckAsync(mobile);
    }
}

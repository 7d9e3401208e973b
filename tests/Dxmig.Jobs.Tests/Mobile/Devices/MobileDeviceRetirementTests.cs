using System.Text;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Mobile.Devices;

/// <summary>
/// Devices gone from the inventory: retired in <c>devices</c> (kept), their open assignment and SIM history closed on
/// the run's day, under the deletion threshold; a device back in the inventory reactivated with new history rows.
/// </summary>
public sealed class MobileDeviceRetirementTests : IDisposable
{
    internal const int Devices = 40;
    internal const int People = 120;
    internal static readonly DateTimeOffset Loaded = new(2026, 9, 28, 12, 0, 0, TimeSpan.FromHours(9));
    internal static readonly DateTimeOffset Retired = new(2026, 10, 1, 12, 0, 0, TimeSpan.FromHours(9));
    internal static readonly DateTimeOffset Back = new(2026, 10, 5, 12, 0, 0, TimeSpan.FromHours(9));
    private readonly MobileHarness mobile = new();

    public void Dispose() => mobile.Dispose();

    /// <summary>Writes the sample inventory without the devices numbered <paramref name="gone"/> (UTF-8: lines are whole rows).</summary>
    internal static void WriteWithout(MobileHarness mobile, params int[] gone)
    {
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false));
        var path = Path.Combine(mobile.Workspace.Exports, "devices.csv");
        var lines = File.ReadAllText(path, Encoding.UTF8).Split("\r\n");
        var kept = lines.Where(l => !gone.Any(d => l.StartsWith(MobileSamples.AssetNumber(d) + ",", StringComparison.Ordinal))).ToList();
        kept.Should().HaveCount(lines.Length - gone.Length);
        File.WriteAllText(path, string.Join("\r\n", kept), new UTF8Encoding(true));
    }

    internal static async Task<string> LoadAsync(MobileHarness mobile, string? threshold = null)
    {
        mobile.Workspace.Time = new FixedClock(Loaded);
        await mobile.LoadStaffAsync(People);
        WriteWithout(mobile);
        var job = mobile.DevicesJob();
        if (threshold is not null)
        {
            var text = File.ReadAllText(job);
            File.WriteAllText(job, text.Replace("  type: platform-store\n", "  type: platform-store\n  " + threshold + "\n", StringComparison.Ordinal));
            File.ReadAllText(job).Should().Contain(threshold);
        }

        var run = await mobile.Layer.RunAsync(job);
        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        return job;
    }

    internal static async Task<DeviceEntity> DeviceAsync(MobileHarness mobile, int device)
    {
        await using var db = mobile.Db();
        return await db.Devices.AsNoTracking().SingleAsync(d => d.AssetNumber == MobileSamples.AssetNumber(device));
    }

    internal static async Task<List<SimInstallationEntity>> SimsAsync(MobileHarness mobile, int device)
    {
        await using var db = mobile.Db();
        return await db.SimInstallations.AsNoTracking().Where(s => s.AssetNumber == MobileSamples.AssetNumber(device)).OrderBy(s => s.Id).ToListAsync();
    }

    [Fact]
    public async Task Run_DeviceGoneFromInventory_IsRetiredWithHistoryClosed_ReconciledClean_AndBackItIsReactivatedWithNewHistory()
    {
        var job = await LoadAsync(mobile);
        MobileSamples.Holder(0).Should().Be(0, "device 0 is lent, with a SIM");
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(0))).Should().ContainSingle().Which.ValidTo.Should().BeNull();

        mobile.Workspace.Time = new FixedClock(Retired);
        WriteWithout(mobile, 0);
        var run = await mobile.Layer.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Run.Removed.Should().Be(1);
        run.Balanced.Should().BeTrue();
        var device = await DeviceAsync(mobile, 0);
        device.State.Should().Be("retired");
        device.StateText.Should().Be(PlatformMobileLoader.RemovedStateText);
        device.LentTo.Should().BeNull();
        device.SerialNumber.Should().Be(MobileSamples.Serial(0), "the row is kept as it was");
        var history = await mobile.AssignmentsAsync(MobileSamples.AssetNumber(0));
        history.Should().ContainSingle().Which.ValidTo.Should().Be("2026-10-01");
        (await SimsAsync(mobile, 0)).Should().ContainSingle().Which.ValidTo.Should().Be("2026-10-01");
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(1))).Should().ContainSingle().Which.ValidTo.Should().BeNull("other devices are untouched");
        await using (var db = mobile.Db())
        {
            (await db.Devices.CountAsync()).Should().Be(Devices, "retired, not deleted");
        }

        var ledger = await mobile.Workspace.LedgerItemsAsync();
        ledger.Should().ContainSingle(i => i.State == ItemState.Removed).Which.NativeId.Should().Be(MobileSamples.AssetNumber(0));

        var report = Path.Combine(mobile.Workspace.Folder, "report");
        var reconcile = await mobile.Layer.ReconcileAsync(job, report, accounts: ["devices"]);
        reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Explain);
        var totals = ReportSummary.Read(report)["totals"]!;
        totals["matched"]!.GetValue<long>().Should().Be(Devices - 1);
        totals["missing"]!.GetValue<long>().Should().Be(0);
        totals["extra"]!.GetValue<long>().Should().Be(0);
        totals["ledgerRemoved"]!.GetValue<long>().Should().Be(1);

        var again = await mobile.Layer.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Removed.Should().Be(0, "retired once");

        mobile.Workspace.Time = new FixedClock(Back);
        WriteWithout(mobile);
        var back = await mobile.Layer.RunAsync(job);

        back.ExitCode.Should().Be(ExitCodes.Success, back.Explain);
        back.Account("devices").Loaded.Should().Be(1);
        var returned = await DeviceAsync(mobile, 0);
        returned.State.Should().Be("lent");
        returned.LentTo.Should().Be(StaffSamples.EmployeeId(0));
        returned.ContentHash.Should().NotBe(PlatformMobileLoader.RemovedHash);
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(0))).Select(a => (a.ValidFrom, a.ValidTo)).Should().Equal(
            ("2025-04-01", "2026-10-01"), ("2026-10-05", null));
        (await SimsAsync(mobile, 0)).Select(s => (s.Iccid, s.ValidFrom, s.ValidTo)).Should().Equal(
            (MobileSamples.Iccid(0), "2026-09-28", "2026-10-01"), (MobileSamples.Iccid(0), "2026-10-05", null));
        var clean = await mobile.Layer.ReconcileAsync(job, report + "2", accounts: ["devices"]);
        clean.ExitCode.Should().Be(ExitCodes.Success, clean.Explain);
        ReportSummary.Read(report + "2")["totals"]!["matched"]!.GetValue<long>().Should().Be(Devices);
    }

    [Fact]
    public async Task Run_EmptyInventory_RetiresNothing_AndWarns()
    {
        var job = await LoadAsync(mobile);
        File.WriteAllText(Path.Combine(mobile.Workspace.Exports, "devices.csv"), MobileSamples.DeviceHeader + "\r\n", new UTF8Encoding(true));

        var run = await mobile.Layer.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Account("devices").Warnings.Should().ContainSingle().Which.Should().Contain("端末がありません").And.Contain($"none of the {Devices} known devices was retired");
        run.Run.Removed.Should().Be(0);
        await using var db = mobile.Db();
        (await db.Devices.CountAsync(d => d.State == "retired")).Should().Be(0);
        (await db.DeviceAssignments.CountAsync(a => a.ValidTo != null)).Should().Be(0);
    }

    [Fact]
    public async Task Run_RetirementsOverTheThreshold_AreHeld_ThenCarriedOutAfterConfirm_NotForADeviceBackMeanwhile() =>
        await HeldThenConfirmedAsync(mobile);

    /// <summary>Three devices gone over <c>delete-threshold: 2</c>: held and listed; one comes back; the confirmation retires the other two.</summary>
    internal static async Task HeldThenConfirmedAsync(MobileHarness mobile)
    {
        var job = await LoadAsync(mobile, "delete-threshold: 2");
        mobile.Workspace.Time = new FixedClock(Retired);
        WriteWithout(mobile, 0, 1, 2);

        var held = await mobile.Layer.RunAsync(job);

        held.ExitCode.Should().Be(ExitCodes.Quarantined, held.Explain);
        held.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings);
        held.Run.Removed.Should().Be(0);
        held.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes " + held.Run.RunId);
        held.Account("devices").Warnings.Should().ContainSingle().Which.Should().Contain("端末台帳から 3 台");
        var pending = File.ReadAllLines(Path.Combine(mobile.Logs, "mobile", $"pending-deletions-{held.Run.RunId}.csv"));
        pending[0].Should().Be("asset_number,target_key");
        pending.Skip(1).Should().Equal(
            $"{MobileSamples.AssetNumber(0)},device/{MobileSamples.AssetNumber(0)}",
            $"{MobileSamples.AssetNumber(1)},device/{MobileSamples.AssetNumber(1)}",
            $"{MobileSamples.AssetNumber(2)},device/{MobileSamples.AssetNumber(2)}");
        (await DeviceAsync(mobile, 0)).State.Should().Be("lent");
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(1))).Should().OnlyContain(a => a.ValidTo == null);

        WriteWithout(mobile, 1, 2);
        var confirmed = await mobile.Layer.RunAsync(job, confirmDeletes: held.Run.RunId);

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        confirmed.Run.Removed.Should().Be(2);
        (await DeviceAsync(mobile, 0)).State.Should().Be("lent", "back in the inventory before the confirmation");
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(0))).Should().ContainSingle().Which.ValidTo.Should().BeNull();
        (await DeviceAsync(mobile, 1)).State.Should().Be("retired");
        (await DeviceAsync(mobile, 2)).State.Should().Be("retired");
        (await mobile.AssignmentsAsync(MobileSamples.AssetNumber(1))).Should().ContainSingle().Which.ValidTo.Should().Be("2026-10-01");
    }
}

/// <summary>The held-then-confirmed retirements with the store on the private PostgreSQL.</summary>
public sealed class MobileDeviceRetirementPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Run_OnPostgres_RetirementsHeldAtTheThreshold_AreCarriedOutAfterConfirm()
    {
        using var mobile = new MobileHarness(await postgres.Server.CreateDatabaseAsync());
        await MobileDeviceRetirementTests.HeldThenConfirmedAsync(mobile);
    }
}

using Dxmig.Jobs.Tests.Mobile;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Tests.Mobile.TeleworkGroups;

/// <summary><c>kind: telework-groups</c> on the Graph emulator: groups created, members in chunks of 20 through $batch, the replication delay, the difference only, the removal threshold.</summary>
public sealed class TeleworkGroupsRunTests : IAsyncLifetime, IDisposable
{
    private const int Devices = 30;
    private const int People = 90;
    private readonly MobileHarness mobile = new();
    private GraphEmulator.GraphEmulator graph = null!;

    public async Task InitializeAsync() =>
        graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. Enumerable.Range(0, People + 1).Select(StaffSamples.Upn)] }, CancellationToken.None);

    public async Task DisposeAsync() => await graph.DisposeAsync();

    public void Dispose() => mobile.Dispose();

    private IEnumerable<string> Members(string group) =>
        graph.Store.Groups.Group(group)!.MemberIds.Select(id => graph.Store.FindUser(id)!.UserPrincipalName);

    [Fact]
    public async Task Run_CreatesGroups_AddsMembersInChunksOf20_RetriesReplication_AndReportsHandAddedMembers()
    {
        StaffSamples.Write(Path.Combine(mobile.Workspace.Exports, "staff.csv"), Path.Combine(mobile.Workspace.Exports, "identity.csv"), new StaffSampleOptions(People));
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: true, Planted: true));
        graph.Store.Groups.ReplicationDelay = TimeSpan.FromSeconds(2);
        var handAdded = graph.Store.FindUser(StaffSamples.Upn(People))!.Id;
        graph.Store.Groups.Seed("GG-テレワーク-在宅勤務", handAdded);
        var job = mobile.GroupsJob(graph);

        var run = await mobile.Layer.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        Members("GG-テレワーク利用者").Should().HaveCount(People).And.OnlyHaveUniqueItems();
        Members("GG-テレワーク-在宅勤務").Should().HaveCount(People + 1).And.Contain(StaffSamples.Upn(People));
        var mobileHolders = Enumerable.Range(0, Devices).Select(MobileSamples.Holder).OfType<int>().Where(h => h < People).Distinct().ToList();
        Members("GG-テレワーク-モバイルワーク").Should().BeEquivalentTo(mobileHolders.Select(StaffSamples.Upn));
        Members("GG-テレワーク-101000-総務課").Should().NotBeEmpty();
        graph.Store.Groups.LargestMemberBind.Should().Be(20);
        graph.Store.Groups.ReplicationRefusals.Should().BeGreaterThan(0, "members were added to a group created a moment before");
        run.Result.Accounts.Should().Contain(a => a.Quarantined == 4, "the unknown person's three memberships and the unknown system's row");
        mobile.Conflicts().Should().ContainSingle(l => l.StartsWith("member-not-granted,", StringComparison.Ordinal))
            .Which.Should().Contain(StaffSamples.Upn(People));

        // Reconciliation lists every group's members: everyone granted is there, the hand-added member is a conflict, not extra.
        var report = Path.Combine(mobile.Workspace.Folder, "report");
        var reconcile = await mobile.Layer.ReconcileAsync(job, report);
        reconcile.ExitCode.Should().Be(ExitCodes.Quarantined, reconcile.Explain);
        var summary = ReportSummary.Read(report);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(0);
        summary["totals"]!["extra"]!.GetValue<long>().Should().Be(0);
        summary["totals"]!["notOurs"]!.GetValue<long>().Should().Be(1);
        summary["conflicts"]!["member-not-granted"]!.GetValue<int>().Should().Be(1);

        var before = graph.Stats.TotalRequests("updateGroup");
        var again = await mobile.Layer.RunAsync(job);
        again.Result.Accounts.Should().Contain(a => a.Loaded == 0);
        graph.Stats.TotalRequests("updateGroup").Should().Be(before, "nothing changed, nothing is sent");
    }

    [Fact]
    public async Task Run_AndReconcile_CheckASystemGroupNoListGrantsAnyoneAnyMore()
    {
        StaffSamples.Write(Path.Combine(mobile.Workspace.Exports, "staff.csv"), Path.Combine(mobile.Workspace.Exports, "identity.csv"), new StaffSampleOptions(People));
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false));
        var mobileList = Path.Combine(mobile.Workspace.Exports, "telework-mobile.csv");
        File.WriteAllLines(mobileList, File.ReadLines(mobileList).Take(1), new System.Text.UTF8Encoding(true)); // the header only: nobody granted
        var handAdded = StaffSamples.Upn(People);
        graph.Store.Groups.Seed("GG-テレワーク-モバイルワーク", graph.Store.FindUser(handAdded)!.Id);
        var job = mobile.GroupsJob(graph);

        var run = await mobile.Layer.RunAsync(job);

        mobile.Conflicts().Should().Contain(l => l.StartsWith("member-not-granted,GG-テレワーク-モバイルワーク: " + handAdded, StringComparison.Ordinal), run.Explain);
        var report = Path.Combine(mobile.Workspace.Folder, "report");
        await mobile.Layer.ReconcileAsync(job, report);
        ReportSummary.Read(report)["conflicts"]!["member-not-granted"]!.GetValue<int>().Should().Be(1);
        Members("GG-テレワーク-モバイルワーク").Should().Contain(handAdded, "a member no list grants is listed, never removed");
    }

    [Fact]
    public async Task Run_RevokedOverThreshold_RemovesNothing_UntilConfirmed()
    {
        StaffSamples.Write(Path.Combine(mobile.Workspace.Exports, "staff.csv"), Path.Combine(mobile.Workspace.Exports, "identity.csv"), new StaffSampleOptions(People));
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false));
        var job = mobile.GroupsJob(graph, threshold: 10);
        (await mobile.Layer.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(Devices, People, Cp932: false) { Revoked = Enumerable.Range(0, 20).ToHashSet() });
        var refused = await mobile.Layer.RunAsync(job);

        refused.ExitCode.Should().Be(ExitCodes.Quarantined, refused.Explain);
        refused.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes");
        Members("GG-テレワーク利用者").Should().HaveCount(People);
        var pending = Directory.GetFiles(mobile.Logs, "pending-deletions-*.csv", SearchOption.AllDirectories).Should().ContainSingle().Subject;
        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

        var confirmed = await mobile.Layer.RunAsync(job, confirmDeletes: runId);

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        Members("GG-テレワーク利用者").Should().HaveCount(People - 20).And.NotContain(StaffSamples.Upn(0));
        Members("GG-テレワーク-在宅勤務").Should().NotContain(StaffSamples.Upn(19)).And.Contain(StaffSamples.Upn(20));
    }
}

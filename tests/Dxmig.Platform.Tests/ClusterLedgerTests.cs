using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Platform.Telemetry;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests;

/// <summary>Cluster runs in the ledger on a private PostgreSQL: claims, leases, epochs, fencing, leaving and completing.</summary>
[Collection(PostgresGroup.Name)]
public sealed class ClusterLedgerTests(PostgresFixture postgres)
{
    private static readonly string[] Accounts = ["a1", "a2", "a3"];

    [Fact]
    public async Task TwoMembers_ClaimingAtOnce_GetEachAccountExactlyOnce()
    {
        await using var ledger = await OpenAsync();
        var first = Member("node-1");
        var second = Member("node-2");
        var (run, joined) = (await ledger.BeginOrJoinClusterRunAsync("job", [.. Enumerable.Range(1, 40).Select(i => $"u{i:00}")], first, false, default))!.Value;
        joined.Should().BeFalse();
        (await ledger.BeginOrJoinClusterRunAsync("job", ["ignored"], second, false, default))!.Value.Run.RunId.Should().Be(run.RunId, "a live run is joined, not doubled");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(async slot =>
        {
            var mine = new List<string>();
            while (await ledger.ClaimAccountAsync(run, slot % 2 == 0 ? first : second, default) is { } lease)
            {
                mine.Add(lease.Account);
            }

            return mine;
        }));

        claims.SelectMany(c => c).Should().OnlyHaveUniqueItems().And.HaveCount(40);
        (await ledger.OutstandingAccountsAsync(run.RunId, default)).Should().Be(40, "claimed is not done");
    }

    [Fact]
    public async Task ASilentHolder_LosesItsAccountAfterTheTimeout_AndItsLateWritesAreRefused()
    {
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);
        await using var ledger = await OpenAsync();
        var dead = Member("dead", TimeSpan.FromSeconds(2));
        var alive = Member("alive", TimeSpan.FromSeconds(2));
        var (run, _) = (await ledger.BeginOrJoinClusterRunAsync("job", ["only"], dead, false, default))!.Value;
        using var old = (await ledger.ClaimAccountAsync(run, dead, default))!;
        (await ledger.ClaimAccountAsync(run, alive, default)).Should().BeNull("the holder's lease is still fresh");

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        using var taken = (await ledger.ClaimAccountAsync(run, alive, default))!;
        (taken.Account, taken.Epoch, taken.PreviousNode, taken.TakenOver).Should().Be(("only", 2, "dead", true));
        metrics.Of("dxmig.lease.takeovers", (DxmigMetrics.JobTag, "job")).Should().ContainSingle("one account was taken over from a silent node")
            .Which.Value.Should().Be(1);

        var key = new SourceKey("imap", "only", "INBOX", "1", "v");
        var late = () => ledger.WriteItemsAsync("job", run.RunId, "only", [new ItemWrite(key, "h", 1, ItemState.Loaded, null, null, "INBOX UID 1", "t")], default, old);
        await late.Should().ThrowAsync<LeaseLostException>();
        old.IsLost.Should().BeTrue();
        (await ledger.LookupAsync("job", "only", [key.Ref], default)).Should().BeEmpty("the refused write left nothing");
        await ledger.WriteItemsAsync("job", run.RunId, "only", [new ItemWrite(key, "h", 1, ItemState.Loaded, null, null, "INBOX UID 1", "t")], default, taken);
        (await ledger.LookupAsync("job", "only", [key.Ref], default)).Should().ContainSingle();

        // The old holder's heartbeat finds the account gone.
        await ledger.HeartbeatClusterAsync(run, alive, [(taken, 1, 1, 1)], default);
        taken.IsLost.Should().BeFalse();
        var finish = () => ledger.FinishAccountAsync(old, new LedgerRunAccount { RunId = run.RunId, Account = "only" }, default);
        await finish.Should().ThrowAsync<LeaseLostException>();
    }

    [Fact]
    public async Task ALeaseNotConfirmedForTwoThirdsOfTheTimeout_CountsAsLost_OnItsOwnClock()
    {
        await using var ledger = await OpenAsync();
        var member = Member("frozen", TimeSpan.FromSeconds(3));
        var (run, _) = (await ledger.BeginOrJoinClusterRunAsync("job", Accounts, member, false, default))!.Value;
        using var lease = (await ledger.ClaimAccountAsync(run, member, default))!;
        lease.ThrowIfLost();

        await Task.Delay(TimeSpan.FromSeconds(2.2));

        var write = () => WriteFence.Current!.ThrowIfLost();
        WriteFence.Current = lease;
        write.Should().Throw<LeaseLostException>().WithMessage("*lost the lease of account a1*");
        WriteFence.Current = null;
    }

    [Fact]
    public async Task Release_GivesTheAccountBackAtOnce_AndTheLastToLeaveClosesTheRunAsStopped()
    {
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);
        await using var ledger = await OpenAsync();
        var one = Member("one");
        var two = Member("two");
        var (run, _) = (await ledger.BeginOrJoinClusterRunAsync("job", Accounts, one, false, default))!.Value;
        await ledger.BeginOrJoinClusterRunAsync("job", Accounts, two, false, default);
        using var held = (await ledger.ClaimAccountAsync(run, one, default))!;
        await ledger.ReleaseAccountAsync(held, default);
        using var again = (await ledger.ClaimAccountAsync(run, two, default))!;
        (again.Account, again.Epoch, again.PreviousNode).Should().Be((held.Account, 2, "one"), "released, it is claimable at once");
        metrics.Of("dxmig.lease.takeovers", (DxmigMetrics.JobTag, "job")).Should().BeEmpty("an account given back is not taken over from a dead node");
        await ledger.ReleaseAccountAsync(again, default);

        var first = await ledger.LeaveClusterRunAsync(run, one, stopping: true, Summary, default);
        first.CompletedHere.Should().BeFalse("another node is still in the run");
        var last = await ledger.LeaveClusterRunAsync(run, two, stopping: true, Summary, default);
        last.CompletedHere.Should().BeTrue();
        last.Run.Outcome.Should().Be(RunOutcome.Stopped);
        last.Accounts.Select(a => a.Account).Should().BeEquivalentTo(Accounts);
        (await ledger.RunNeedingHandsAsync("job", TimeSpan.FromSeconds(30), default)).Should().BeNull("the run is closed");
    }

    [Fact]
    public async Task EveryAccountDone_TheRunIsCompletedOnce_ByWhicheverNodeGetsThereFirst()
    {
        await using var ledger = await OpenAsync();
        var one = Member("one");
        var two = Member("two");
        var (run, _) = (await ledger.BeginOrJoinClusterRunAsync("job", Accounts, one, false, default))!.Value;
        await ledger.BeginOrJoinClusterRunAsync("job", Accounts, two, false, default);
        while (await ledger.ClaimAccountAsync(run, one, default) is { } lease)
        {
            using (lease)
            {
                await ledger.FinishAccountAsync(lease, new LedgerRunAccount { RunId = run.RunId, Account = lease.Account, Outcome = RunOutcome.Succeeded, Seen = 2, Loaded = 2 }, default);
            }
        }

        var summaries = 0;
        void Count(LedgerRun r, IReadOnlyList<LedgerRunAccount> rows, bool stopped)
        {
            Interlocked.Increment(ref summaries);
            Summary(r, rows, stopped);
        }

        var ends = await Task.WhenAll(
            ledger.LeaveClusterRunAsync(run, one, false, Count, default),
            ledger.LeaveClusterRunAsync(run, two, false, Count, default));

        summaries.Should().Be(1);
        ends.Count(e => e.CompletedHere).Should().Be(1);
        ends.Should().OnlyContain(e => e.Run.Outcome == RunOutcome.Succeeded && e.Run.Loaded == 6);
        var view = await ledger.ClusterRunViewAsync("job", TimeSpan.FromSeconds(30), default);
        view.Should().BeNull("no run is open any more");
    }

    [Fact]
    public async Task Status_ShowsEachNodeWithWhatItHolds_AndTheAccountsWaiting()
    {
        await using var ledger = await OpenAsync();
        var one = Member("one");
        var (run, _) = (await ledger.BeginOrJoinClusterRunAsync("job", Accounts, one, false, default))!.Value;
        using var lease = (await ledger.ClaimAccountAsync(run, one, default))!;
        await ledger.HeartbeatClusterAsync(run, one, [(lease, 10, 7, 4096)], default);

        var view = (await ledger.ClusterRunViewAsync("job", TimeSpan.FromSeconds(30), default))!;

        view.Nodes.Should().ContainSingle().Which.Should().Match<ClusterNodeView>(n => n.Node == "one" && n.Alive && n.LeftUtc == null);
        view.Work.Single(w => w.Account == "a1").Should().Match<ClusterWorkView>(w => w.State == "Claimed" && w.Node == "one" && w.Seen == 10 && w.Loaded == 7 && w.Epoch == 1);
        view.Work.Count(w => w.State == "Waiting").Should().Be(2);
    }

    [Fact]
    public async Task LedgerSessions_EndAnIdleTransactionAfterTenSeconds_SoAFrozenNodeHoldsNoRowLock()
    {
        await using var ledger = await OpenAsync();
        await using var connection = await StoreConnections.OpenAsync(ledger.Location, default);
        await using var command = connection.Command("SHOW idle_in_transaction_session_timeout");

        (await command.ExecuteScalarAsync())!.ToString().Should().Be("10s");
    }

    private static void Summary(LedgerRun run, IReadOnlyList<LedgerRunAccount> rows, bool stopped)
    {
        run.Seen = rows.Sum(r => r.Seen);
        run.Loaded = rows.Sum(r => r.Loaded);
        run.Outcome = stopped ? RunOutcome.Stopped : RunOutcome.Succeeded;
    }

    private static ClusterMember Member(string node, TimeSpan? timeout = null) => ClusterMember.Create(node, 2, timeout ?? RunSettings.DefaultLeaseTimeout);

    private async Task<JobLedger> OpenAsync() =>
        await JobLedger.OpenAsync(StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/"), TimeProvider.System, default);
}

using System.Globalization;
using Dxmig.GraphEmulator;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>
/// One job's mailboxes spread across the nodes of a cluster (real processes, each on its own host name, one private
/// PostgreSQL): nodes killed, frozen past their lease, joining and leaving mid-run; the targets re-read afterwards.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterScaleOutTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private readonly List<FaultProxy> proxies = [];

    /// <summary>The takeover bound the README states: the lease timeout (30 s) and one claim poll, with room for a loaded CI machine.</summary>
    private static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task ThreeServeNodes_OnTheirOwnHosts_ShareTheMailboxes_TheBusiestKilled_TheOthersFinishWithNothingLostOrDoubled()
    {
        var users = Users(24);
        await using var mail = await MailRunHarness.StartAsync(users, messages: 120);
        var (ledger, scheduler, jobs) = await ScheduledJobAsync(mail, parallelism: 2, fireInSeconds: 15);
        using var nodes = new ClusterNodes(mail.Workspace.Environment, mail.Workspace.Folder);
        foreach (var name in new[] { "node-a", "node-b", "node-c" })
        {
            nodes.StartServe(name, jobs, scheduler);
        }

        foreach (var node in nodes.All)
        {
            await node.WaitForOutputAsync($"(ホスト / host {node.Name})", TimeSpan.FromSeconds(60));
        }

        // Every node takes mailboxes of the one run; the one that ran the most is killed.
        var total = mail.Manifest.Messages.Count();
        var (victim, busiest) = await KillBusiestMidRunAsync(ledger, nodes, total, "\"Node\" IS NOT NULL");

        await WaitForRunEndAsync(ledger, nodes);
        var takeover = await TakeoverAsync(ledger, busiest);
        takeover.Should().BeLessThan(TakeoverBound, "the others take a dead node's mailboxes within the stated bound after its last heartbeat");
        var (lost, doubled) = await TargetAsync(mail, users);
        ChaosTally.Record(
            $"mail IMAP→IMAP, 3 serve nodes on 3 host names, busiest SIGKILLed (took over in {takeover.TotalSeconds:0} s)",
            faults: 0, kills: 1, runs: 1, total, lost, doubled);
        foreach (var user in users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest.Mailboxes.Single(m => m.User == user).Messages.Select(m => m.ToStored()));
        }

        await AssertOneBalancedRunAsync(ledger, total, users.Count, nodes);
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(DISTINCT \"Node\") FROM ledger_run_nodes")).Should().Be(3);
    }

    [Fact]
    public async Task ANodeFrozenPastItsLease_LosesItsMailboxes_AndWhenThawedWritesNothingForThem()
    {
        var users = Users(12);
        await using var mail = await MailRunHarness.StartAsync(users, messages: 200);
        var (ledger, scheduler, jobs) = await ScheduledJobAsync(mail, parallelism: 2, fireInSeconds: 12);
        using var nodes = new ClusterNodes(mail.Workspace.Environment, mail.Workspace.Folder);
        nodes.StartServe("node-a", jobs, scheduler);
        nodes.StartServe("node-b", jobs, scheduler);
        await PgRead.WaitAsync(ledger, "SELECT COUNT(DISTINCT \"Node\") FROM ledger_run_work WHERE \"State\" = 'Claimed'", n => n == 2, RunBound, nodes.Logs);
        var total = mail.Manifest.Messages.Count();
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'", n => n >= total / 6, RunBound, nodes.Logs);

        var frozen = nodes.Node("node-a");
        frozen.Signal("STOP");
        var heldAtFreeze = await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"State\" = 'Claimed' AND \"Node\" = 'node-a'");
        heldAtFreeze.Should().BeGreaterThan(0, "the frozen node held mailboxes");
        // node-b takes every mailbox node-a held once node-a's lease has run out.
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"State\" = 'Claimed' AND \"Node\" = 'node-a'", n => n == 0, RunBound, nodes.Logs);
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"PreviousNode\" = 'node-a' AND \"Node\" = 'node-b'"))
            .Should().BeGreaterThan(0, "node-b took node-a's mailboxes over");
        await Task.Delay(TimeSpan.FromSeconds(3));
        frozen.Signal("CONT");

        await WaitForRunEndAsync(ledger, nodes);
        await frozen.WaitForOutputAsync("this node writes nothing more for it", TimeSpan.FromSeconds(60));
        var refused = await PgRead.RowsAsync(ledger, "SELECT \"Node\", \"Account\" FROM ledger_fenced_writes");
        refused.Should().NotBeEmpty("the thawed node's writes for the mailboxes it lost are refused and noted");
        refused.Select(r => (string)r[0]!).Should().OnlyContain(n => n == "node-a");
        var (lost, doubled) = await TargetAsync(mail, users);
        ChaosTally.Record("mail IMAP→IMAP, 2 serve nodes, one SIGSTOPped past its lease then SIGCONTed", faults: 0, kills: 0, runs: 1, total, lost, doubled);
        lost.Should().Be(0, nodes.Logs());
        doubled.Should().Be(0, nodes.Logs());
        await AssertOneBalancedRunAsync(ledger, total, users.Count, nodes);
    }

    [Fact]
    public async Task ANodeStartedMidRun_JoinsIt_AndANodeStoppedWithSigterm_HandsItsMailboxesBackAtOnce()
    {
        var users = Users(10);
        await using var mail = await MailRunHarness.StartAsync(users, messages: 250);
        var (ledger, scheduler, jobs) = await ScheduledJobAsync(mail, parallelism: 2, fireInSeconds: 10);
        using var nodes = new ClusterNodes(mail.Workspace.Environment, mail.Workspace.Folder);
        var first = nodes.StartServe("node-a", jobs, scheduler);
        var total = mail.Manifest.Messages.Count();
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'", n => n >= 100, RunBound, nodes.Logs);

        nodes.StartServe("node-b", jobs, scheduler);
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"Node\" = 'node-b'", n => n >= 1, TimeSpan.FromSeconds(90), nodes.Logs);
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'")).Should().BeLessThan(total, "node-b joined mid-run");

        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"State\" = 'Claimed' AND \"Node\" = 'node-a'", n => n >= 1, RunBound, nodes.Logs);
        first.Signal("TERM");
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await first.Process.WaitForExitAsync(exit.Token);
        }

        first.Process.ExitCode.Should().Be(0, nodes.Logs());
        first.Output.Should().MatchRegex(@"handed [1-9][0-9]* back to the others", "the stopped node says it gave its mailboxes back");
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"State\" = 'Claimed' AND \"Node\" = 'node-a'"))
            .Should().Be(0, "a node stopped with SIGTERM gives its mailboxes back before it exits");
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_nodes WHERE \"Node\" = 'node-a' AND \"LeftUtc\" IS NOT NULL"))
            .Should().Be(1, "the stopped node left the run");
        // Its mailboxes are free for node-b at once (waiting, not held until a lease runs out), and node-b takes them.
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"Node\" = 'node-a' AND \"State\" = 'Waiting'")
            + await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"PreviousNode\" = 'node-a' AND \"Node\" = 'node-b'"))
            .Should().BeGreaterThan(0, nodes.Logs());
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_run_work WHERE \"PreviousNode\" = 'node-a' AND \"Node\" = 'node-b'", n => n >= 1, RunBound, nodes.Logs);

        await WaitForRunEndAsync(ledger, nodes);
        var (lost, doubled) = await TargetAsync(mail, users);
        ChaosTally.Record("mail IMAP→IMAP, a serve node joins mid-run, the first stopped with SIGTERM", faults: 0, kills: 0, runs: 1, total, lost, doubled);
        lost.Should().Be(0);
        doubled.Should().Be(0);
        await AssertOneBalancedRunAsync(ledger, total, users.Count, nodes);
    }

    [Fact]
    public async Task GraphTarget_ThreeRunProcesses_WithLostResponses_TheBusiestKilled_NothingLostOrDoubled()
    {
        var users = Users(9);
        await using var mail = await MailGraphHarness.StartAsync(
            users, messages: 300, new ThrottlingSettings { RequestLimit = 30, RequestWindow = TimeSpan.FromSeconds(2) });
        mail.Graph.Faults.Add(new FaultRule(FaultKind.LoseResponse) { PathPattern = @"^/\$batch$", Probability = 0.2 });
        var ledger = await postgres.Server.CreateDatabaseAsync();
        mail.Workspace.Environment["DXMIG_LEDGER"] = ledger;
        var job = mail.JobVariant("graph-cluster", text => text
            .Replace("parallelism: 8", "parallelism: 2", StringComparison.Ordinal)
            .Replace("batch-size: 100", "batch-size: 20", StringComparison.Ordinal));
        using var nodes = new ClusterNodes(mail.Workspace.Environment, mail.Workspace.Folder);
        // Started together: the first to reach the ledger starts the run, the other two join it.
        nodes.StartRun("node-a", job);
        nodes.StartRun("node-b", job);
        nodes.StartRun("node-c", job);
        var total = mail.Manifest.Messages.Count();
        var (victim, busiest) = await KillBusiestMidRunAsync(ledger, nodes, total, "\"State\" = 'Claimed'");

        foreach (var node in nodes.All.Where(n => n != victim))
        {
            using var exit = new CancellationTokenSource(RunBound);
            await node.Process.WaitForExitAsync(exit.Token);
        }

        var takeover = await TakeoverAsync(ledger, busiest);
        takeover.Should().BeLessThan(TakeoverBound);
        var (lost, doubled) = LossCount.Graph(mail, users);
        ChaosTally.Record(
            $"mail IMAP→Graph, 3 run processes on 3 host names, 20% lost $batch responses, busiest SIGKILLed (took over in {takeover.TotalSeconds:0} s)",
            faults: mail.Graph.Stats.TotalFaultsInjected, kills: 1, runs: 1, total, lost, doubled);
        mail.Graph.Stats.TotalFaultsInjected.Should().BeGreaterThan(0, "responses were lost, so in-doubt lookups happened");
        foreach (var mailbox in mail.Manifest.Mailboxes)
        {
            mail.AssertNothingLostOrDoubled(mailbox.User, mailbox.Messages);
        }

        await AssertOneBalancedRunAsync(ledger, total, users.Count, nodes);
        nodes.All.Where(n => n != victim).Select(n => n.Process.ExitCode).Should().OnlyContain(c => c == 0, nodes.Logs());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }
    }

    private static List<string> Users(int count) => [.. Enumerable.Range(1, count).Select(i => $"user{i:00}")];

    /// <summary>The IMAP example job on a PostgreSQL ledger, fired once by the cluster's scheduler a few seconds from now.</summary>
    private async Task<(string Ledger, string Scheduler, string Jobs)> ScheduledJobAsync(MailRunHarness mail, int parallelism, int fireInSeconds)
    {
        var ledger = await postgres.Server.CreateDatabaseAsync();
        var scheduler = await postgres.Server.CreateDatabaseAsync();
        mail.Workspace.Environment["DXMIG_LEDGER"] = ledger;
        // Each connection to the target capped at 100 kB/s (about 20 messages a second), as a service's per-mailbox
        // limit would: the run lasts long enough for nodes to join, die and take over, whatever the machine's speed.
        var proxy = FaultProxy.Start(mail.Target.Host, mail.Target.Port, new FaultPlan { BytesPerSecond = 100_000 });
        proxies.Add(proxy);
        mail.Workspace.Environment["DXMIG_DST_PORT"] = proxy.Port.ToString(CultureInfo.InvariantCulture);
        var fireAt = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddSeconds(fireInSeconds), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var cron = string.Create(CultureInfo.InvariantCulture, $"{fireAt.Second} {fireAt.Minute} {fireAt.Hour} {fireAt.Day} {fireAt.Month} ? {fireAt.Year}");
        var job = mail.JobVariant("cluster", text => text
            .Replace("parallelism: 4", $"parallelism: {parallelism}", StringComparison.Ordinal)
            .Replace("batch-size: 200", "batch-size: 20", StringComparison.Ordinal)
            .Replace("append-batch: 50", "append-batch: 10", StringComparison.Ordinal)
            + $"schedule:\n  cron: \"{cron}\"\n");
        return (ledger, scheduler, Path.GetDirectoryName(job)!);
    }

    /// <summary>
    /// Waits until all three nodes hold mailboxes and a fifth of the messages is in, then SIGKILLs the node with the most
    /// mailboxes among the rows <paramref name="among"/> selects; the kill must land mid-run with mailboxes in its hands.
    /// </summary>
    private static async Task<(ClusterNode Victim, string Name)> KillBusiestMidRunAsync(string ledger, ClusterNodes nodes, long total, string among)
    {
        await PgRead.WaitAsync(ledger, "SELECT COUNT(DISTINCT \"Node\") FROM ledger_run_work WHERE \"Node\" IS NOT NULL", n => n == 3, TimeSpan.FromSeconds(90), nodes.Logs);
        await PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'", n => n >= total / 5, RunBound, nodes.Logs);
        var busiest = (string)(await PgRead.RowsAsync(ledger,
            $"SELECT \"Node\" FROM ledger_run_work WHERE {among} GROUP BY \"Node\" ORDER BY COUNT(*) DESC, \"Node\" LIMIT 1"))[0][0]!;
        var victim = nodes.Node(busiest);
        victim.Process.Kill(entireProcessTree: true);
        await victim.Process.WaitForExitAsync();
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Loaded'")).Should().BeLessThan(total, "the kill must land mid-run");
        (await PgRead.ScalarAsync(ledger, $"SELECT COUNT(*) FROM ledger_run_work WHERE \"State\" = 'Claimed' AND \"Node\" = '{busiest}'"))
            .Should().BeGreaterThan(0, "the killed node held mailboxes when it died");
        return (victim, busiest);
    }

    private static Task<long> WaitForRunEndAsync(string ledger, ClusterNodes nodes) =>
        PgRead.WaitAsync(ledger, "SELECT COUNT(*) FROM ledger_runs WHERE \"Outcome\" <> 'Running'", n => n >= 1, RunBound, nodes.Logs);

    /// <summary>
    /// From the dead node's last heartbeat to the first of its mailboxes claimed by another node: the lease timeout plus
    /// the wait for a free slot (the rest follow as the survivors' slots free up; their accounts are claimable from then).
    /// </summary>
    private static async Task<TimeSpan> TakeoverAsync(string ledger, string node)
    {
        var sql = "SELECT EXTRACT(EPOCH FROM MIN(w.\"ClaimedUtc\") - (SELECT MAX(n.\"HeartbeatUtc\") FROM ledger_run_nodes n WHERE n.\"Node\" = @node))::float8 " +
                  "FROM ledger_run_work w WHERE w.\"PreviousNode\" = @node AND w.\"Node\" <> @node";
        var seconds = await PgRead.RowsAsync(ledger, sql.Replace("@node", $"'{node}'", StringComparison.Ordinal));
        seconds.Should().ContainSingle();
        seconds[0][0].Should().NotBeNull($"another node took over the mailboxes {node} held");
        return TimeSpan.FromSeconds((double)seconds[0][0]!);
    }

    private static async Task<(long Lost, long Doubled)> TargetAsync(MailRunHarness mail, IReadOnlyList<string> users)
    {
        long lost = 0, doubled = 0;
        foreach (var user in users)
        {
            var expected = mail.Manifest.Mailboxes.Single(m => m.User == user).Messages.Select(m => (MailRunHarness.TargetFolder(m.Folder), m.Sha256)).ToList();
            var actual = (await mail.TargetMessagesAsync(user)).Select(m => (m.Folder, m.Sha256)).ToList();
            var distinct = actual.ToHashSet();
            lost += expected.Count(e => !distinct.Contains(e));
            doubled += actual.Count - distinct.Count;
        }

        return (lost, doubled);
    }

    /// <summary>One run in the ledger, completed, with one accounting that balances and covers every message once.</summary>
    private static async Task AssertOneBalancedRunAsync(string ledger, long total, int accounts, ClusterNodes nodes)
    {
        var runs = await PgRead.RowsAsync(ledger,
            "SELECT \"Outcome\", \"Seen\", \"Loaded\", \"Skipped\", \"Quarantined\", \"AlreadyDone\", \"Removed\", \"AccountsFailed\" FROM ledger_runs");
        runs.Should().ContainSingle(nodes.Logs());
        var run = runs[0];
        ((string)run[0]!).Should().BeOneOf(["Succeeded", "CompletedWithQuarantine"], nodes.Logs());
        var seen = (long)run[1]!;
        seen.Should().Be((long)run[2]! + (long)run[3]! + (long)run[4]! + (long)run[5]! + (long)run[6]!, "seen = loaded + skipped + quarantined + already done + removed");
        ((long)run[2]! + (long)run[4]!).Should().Be(total, "every message loaded (or quarantined) once in the one run");
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_run_accounts")).Should().Be(accounts);
        (await PgRead.ScalarAsync(ledger, "SELECT SUM(\"Seen\") FROM ledger_run_accounts")).Should().Be(seen);
        (await PgRead.ScalarAsync(ledger, "SELECT COUNT(*) FROM ledger_items WHERE \"State\" = 'Pending'")).Should().Be(0);
    }
}

/// <summary>The cluster tests run one at a time: each starts several dxmig processes on the 2 cores.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup
{
    public const string Name = "cluster";
}

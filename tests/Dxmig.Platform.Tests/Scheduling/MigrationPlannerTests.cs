using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Scheduling;

namespace Dxmig.Platform.Tests.Scheduling;

public class MigrationPlannerTests
{
    private const long MiB = 1024 * 1024;

    private static DateTimeOffset Jst(int month, int day, int hour) => new(2026, month, day, hour, 0, 0, TimeSpan.FromHours(9));

    private static RunWindow Nights() => new(new ScheduleSpec(null, "working-days", new TimeOnly(20, 0), new TimeOnly(7, 0), "Asia/Tokyo"), ClosedDayCalendar.Standard);

    [Fact]
    public void GraphRate_IsTheSlowerOfBytesAndRequests()
    {
        // 1,500 MB: 50 minutes at 150 MB / 5 min. 20,000 small messages: 20 minutes at 10,000 / 10 min.
        TargetRate.Graph.TimeFor(new PlanAccount("big", 1000, 1500 * MiB, 0)).Should().Be(TimeSpan.FromMinutes(50));
        TargetRate.Graph.TimeFor(new PlanAccount("many", 20_000, 10 * MiB, 0)).Should().Be(TimeSpan.FromMinutes(20));
    }

    /// <summary>10 items/s per lane, 1 s per account, 0.5 s per folder, 5 s per run, no limit by bytes.</summary>
    private static TargetRate Measured { get; } = new("test", double.PositiveInfinity, 10, 1, "test")
    {
        PerRun = TimeSpan.FromSeconds(5),
        PerAccount = TimeSpan.FromSeconds(1),
        PerContainer = TimeSpan.FromSeconds(0.5),
    };

    [Fact]
    public void TimeFor_AddsTheAccountsFixedCostsToTheSlowerOfItemsAndBytes()
    {
        // (98 items + 2 folders) / 10/s = 10 s, + 1 s per account + 2 × 0.5 s per folder = 12 s.
        Measured.TimeFor(new PlanAccount("a", 98, 5 * MiB, 2)).Should().Be(TimeSpan.FromSeconds(12));

        // With 1 MiB/s by bytes as well, 50 MiB (50 s) is slower than the 10 s of items: 50 + 1 + 1 = 52 s.
        (Measured with { BytesPerSecond = MiB }).TimeFor(new PlanAccount("a", 98, 50 * MiB, 2)).Should().Be(TimeSpan.FromSeconds(52));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(150, 0)] // one budget: admitted at once
    [InlineData(151, 300)] // a byte over: the next window
    [InlineData(400, 600)] // ⌈400 / 150⌉ − 1 = 2 windows
    public void TimeFor_SlidingWindowBudget_TakesWholeWindowsAfterTheFirstBudget(int megabytes, int seconds)
    {
        // Graph's byte budget: 150 MiB per 300 s (0.5 MiB/s).
        var budget = new TargetRate("graph", 0.5 * MiB, double.PositiveInfinity, 1, "test") { BytesWindow = TimeSpan.FromSeconds(300) };

        budget.TimeFor(new PlanAccount("a", 1, megabytes * MiB, 0)).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Wall_LanesTakeTheNextAccountInTheJobsOrder_AfterTheRunsFixedCost()
    {
        // Accounts of 11, 6, 6 and 4 s (items / 10 + 1 s) on 2 lanes: A takes 11; B takes 6, then 6 (B free at 6 < 11,
        // ends at 12); A, free at 11, takes 4 (ends at 15). 15 s + 5 s per run = 20 s; the work added up is 27 s.
        PlanAccount[] accounts = [new("a", 100, 0, 0), new("b", 50, 0, 0), new("c", 50, 0, 0), new("d", 30, 0, 0)];
        var durations = accounts.Select(Measured.TimeFor).ToList();

        durations.Should().Equal(TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(4));
        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(1, 2, null)).Should().Be(TimeSpan.FromSeconds(20));
        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(2, 1, null)).Should().Be(TimeSpan.FromSeconds(20), "2 nodes × parallelism 1 are the same 2 lanes");
        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(1, 4, null)).Should().Be(TimeSpan.FromSeconds(16), "each account its own lane: the longest, 11 s, + 5 s");
        MigrationPlanner.Wall([], [], Measured, new NodeCount(1, 4, null)).Should().Be(TimeSpan.Zero, "nothing to move costs no run");
    }

    [Fact]
    public void Wall_NoShorterThanEveryByteAtTheNodesCapacity()
    {
        // 4 accounts of 100 MiB at 10 items/s (1 item each, 1.1 s per account): lanes say 5 s + 1.1 s; 400 MiB at
        // 10 MiB/s per node say 40 s on one node and 20 s on two; + 5 s per run.
        PlanAccount[] accounts = [.. Enumerable.Range(0, 4).Select(i => new PlanAccount($"a{i}", 1, 100 * MiB, 0))];
        var capacity = new NodeCapacity(10 * MiB, "test");
        var durations = accounts.Select(Measured.TimeFor).ToList();

        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(1, 4, capacity)).Should().Be(TimeSpan.FromSeconds(45));
        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(2, 4, capacity)).Should().Be(TimeSpan.FromSeconds(25));
        MigrationPlanner.Wall(accounts, durations, Measured, new NodeCount(2, 4, null)).Should().BeCloseTo(TimeSpan.FromSeconds(6.1), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Estimate_WorkIsTheWall_FixedCostsIncluded()
    {
        PlanAccount[] accounts = [new("a", 100, 0, 0), new("b", 50, 0, 0), new("c", 50, 0, 0), new("d", 30, 0, 0)];

        var plan = MigrationPlanner.Estimate(accounts, Measured, parallelism: 2, new RunWindow(null, ClosedDayCalendar.Standard), Jst(9, 18, 12));

        plan.Work.Should().Be(TimeSpan.FromSeconds(20));
        plan.Finish.Should().Be(Jst(9, 18, 12) + TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Estimate_LaysTheWorkOverWorkingNights_AndNamesAccountsLongerThanOneNight()
    {
        // Graph at 0.5 MB/s: 30 GB is 61,440 s ≈ 17.1 h (more than an 11-hour night); 5 GB ≈ 2.8 h.
        var accounts = new[]
        {
            new PlanAccount("huge", 10_000, 30L * 1024 * MiB, 10),
            new PlanAccount("a", 5_000, 5L * 1024 * MiB, 10),
            new PlanAccount("b", 5_000, 5L * 1024 * MiB, 10),
        };

        // Friday 2026-09-18 12:00: tonight's window, then Thursday the 24th (the silver week is closed).
        var plan = MigrationPlanner.Estimate(accounts, TargetRate.Graph, parallelism: 2, Nights(), Jst(9, 18, 12));

        plan.OneWindow.Should().Be(new PlanWindow(Jst(9, 18, 20), Jst(9, 19, 7)));
        plan.Accounts.Select(a => (a.Account.Account, a.FitsOneWindow, a.WindowsAlone)).Should().Equal(("huge", false, 2), ("a", true, 1), ("b", true, 1));
        plan.Work.Should().Be(TimeSpan.FromSeconds(30L * 1024 * 2));
        plan.Windows.Should().Be(2);
        plan.Finish.Should().Be(Jst(9, 24, 20) + (TimeSpan.FromSeconds(61_440) - TimeSpan.FromHours(11)));
    }

    [Fact]
    public void Estimate_NoSchedule_IsOneStretch()
    {
        var plan = MigrationPlanner.Estimate([new PlanAccount("a", 10, MiB, 1)], TargetRate.Graph, 4, new RunWindow(null, ClosedDayCalendar.Standard), Jst(9, 18, 12));

        plan.Windows.Should().Be(1);
        plan.OneWindow.Should().BeNull();
        plan.Accounts.Should().OnlyContain(a => a.FitsOneWindow);
    }

    /// <summary>48 mailboxes of 18,000 MiB: 10 hours each at Graph's 0.5 MiB/s per mailbox, 864,000 MiB in all.</summary>
    private static PlanAccount[] FortyEightMailboxes() =>
        [.. Enumerable.Range(1, 48).Select(i => new PlanAccount($"user{i:00}", 1000, 18_000 * MiB, 5))];

    private static NodeCapacity Unlimited { get; } = new(1024 * MiB, "test: 1 GiB/s");

    [Fact]
    public void Nodes_WorkThatNeedsTwentyFourMailboxesAtOnceForTwoNights_SaysThreeNodes()
    {
        // Two nights of 11 h (Friday the 18th, then Thursday the 24th after the silver week) hold two 10-hour mailboxes
        // per lane: 48 mailboxes need 24 lanes, three nodes of parallelism 8. Two nodes' 16 lanes take 3 × 10 h = 30 h.
        var nodes = MigrationPlanner.Nodes(FortyEightMailboxes(), TargetRate.Graph, 8, Unlimited, 2, Nights(), Jst(9, 18, 12));

        nodes.Should().Be(new NodeEstimate(2, 3, 3, 1, TimeSpan.FromHours(22), 864_000d * MiB / (22 * 3600), null));
        MigrationPlanner.Estimate(FortyEightMailboxes(), TargetRate.Graph, new NodeCount(3, 8, Unlimited), Nights(), Jst(9, 18, 12)).Windows.Should().Be(2);
        MigrationPlanner.Estimate(FortyEightMailboxes(), TargetRate.Graph, new NodeCount(2, 8, Unlimited), Nights(), Jst(9, 18, 12)).Windows.Should().Be(3);
    }

    [Fact]
    public void Nodes_OneNodesCapacityBelowWhatTheBytesNeed_RaisesTheCount()
    {
        // 864,000 MiB in 22 hours is 10.9 MiB/s: at 2 MiB/s per node that is six nodes, more than the three the slots need.
        var capacity = new NodeCapacity(2 * MiB, "test: 2 MiB/s");

        var nodes = MigrationPlanner.Nodes(FortyEightMailboxes(), TargetRate.Graph, 8, capacity, 2, Nights(), Jst(9, 18, 12));

        nodes.Nodes.Should().Be(6);
        nodes.BySlots.Should().Be(3);
        nodes.ByCapacity.Should().Be(6);
        // And three nodes at that capacity move 6 MiB/s: 144,000 s = 40 h of work, four nights instead of two.
        var three = MigrationPlanner.Estimate(FortyEightMailboxes(), TargetRate.Graph, new NodeCount(3, 8, capacity), Nights(), Jst(9, 18, 12));
        three.Work.Should().Be(TimeSpan.FromHours(40));
        three.Windows.Should().Be(4);
    }

    [Fact]
    public void Nodes_AnAccountLongerThanTheWindowsAlone_NoCountIsEnough()
    {
        // 30 GiB at 0.5 MiB/s is 17.1 hours: no number of nodes fits it into one 11-hour night.
        PlanAccount[] accounts = [new("huge", 10_000, 30L * 1024 * MiB, 10), new("small", 10, MiB, 1)];

        var nodes = MigrationPlanner.Nodes(accounts, TargetRate.Graph, 8, Unlimited, 1, Nights(), Jst(9, 18, 12));

        nodes.Nodes.Should().BeNull();
        nodes.Longest!.Account.Account.Should().Be("huge");
        nodes.Longest.Duration.Should().Be(TimeSpan.FromSeconds(30L * 1024 * 2));
        MigrationPlanner.Nodes(accounts, TargetRate.Graph, 8, Unlimited, 2, Nights(), Jst(9, 18, 12)).Nodes.Should().Be(1);
    }

    [Fact]
    public void Nodes_AlwaysOpen_NoWindowsToCount()
    {
        var nodes = MigrationPlanner.Nodes(FortyEightMailboxes(), TargetRate.Graph, 8, Unlimited, 1, new RunWindow(null, ClosedDayCalendar.Standard), Jst(9, 18, 12));

        nodes.Nodes.Should().BeNull();
        nodes.Longest.Should().BeNull();
    }
}

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
}

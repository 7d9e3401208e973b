using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;

namespace Dxmig.Jobs.Tests.Cess.Calendar;

/// <summary><c>kind: cess-schedules</c> and <c>cess-facilities</c> into a real PostgreSQL platform store (binary COPY + upsert).</summary>
public sealed class CalendarPostgresRunTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Schedules_OnPostgres_LoadThenApplyOnlyTheDifference()
    {
        using var calendar = new CalendarHarness(await postgres.Server.CreateDatabaseAsync());
        var expected = calendar.GenerateSchedules(new CalendarSampleOptions(300, Planted: true));
        var job = calendar.JobFile("cess-schedules");

        var first = await calendar.RunAsync(job);
        var loaded = await calendar.SchedulesAsync();
        calendar.GenerateSchedules(new CalendarSampleOptions(300, Planted: true) { Changed = new HashSet<int> { 10 }, Removed = new HashSet<int> { 11, 12 } });
        var second = await calendar.RunAsync(job);

        first.ExitCode.Should().Be(ExitCodes.Quarantined, first.Explain);
        loaded.Should().HaveCount(expected);
        loaded.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(1)).StartUtc.Kind.Should().Be(DateTimeKind.Utc);
        second.ExitCode.Should().Be(ExitCodes.Quarantined, second.Explain);
        second.Run.AlreadyDone.Should().Be(expected - 3);
        var after = await calendar.SchedulesAsync();
        after.Should().HaveCount(expected - 2);
        after.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(10)).Title.Should().EndWith("(変更)");
        var before = loaded.ToDictionary(r => r.ScheduleId, r => r.UpdatedUtc);
        after.Where(r => r.ScheduleId != CalendarSamples.ScheduleId(10)).Should().OnlyContain(r => before[r.ScheduleId] == r.UpdatedUtc, "unchanged rows are left alone");
        after.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(10)).UpdatedUtc.Should().BeAfter(before[CalendarSamples.ScheduleId(10)]);
    }

    [Fact]
    public async Task Facilities_OnPostgres_LoadReservationsAndFacilities()
    {
        using var calendar = new CalendarHarness(await postgres.Server.CreateDatabaseAsync());
        var expected = calendar.GenerateReservations(new CalendarSampleOptions(50, Cp932: true, Planted: true));

        var run = await calendar.RunAsync(calendar.JobFile("cess-facilities"));

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        (await calendar.ReservationsAsync()).Should().HaveCount(expected);
        (await calendar.FacilityCountAsync()).Should().Be(CalendarSamples.Facilities.Length);
    }
}

using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Tests.Cess.Calendar;

/// <summary><c>kind: cess-schedules</c> and <c>cess-facilities</c> end to end on SQLite: load with bad rows, a re-run that writes only the difference, the deletion threshold.</summary>
public sealed class CalendarRunTests : IDisposable
{
    private readonly CalendarHarness calendar = new();

    public void Dispose() => calendar.Dispose();

    [Fact]
    public async Task Schedules_Cp932ExportWithBadRows_LoadsGoodRowsAndQuarantinesEachBadOneWithFileAndLine()
    {
        var expected = calendar.GenerateSchedules(new CalendarSampleOptions(60, Cp932: true, Planted: true));
        var job = calendar.JobFile("cess-schedules");

        var run = await calendar.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Quarantined.Should().Be(CalendarSamples.PlantedScheduleQuarantined);
        run.Run.Skipped.Should().Be(CalendarSamples.PlantedScheduleSkipped);
        run.Quarantined.Should().Contain(i => (i.Location ?? i.NativeId).Contains("schedules.csv:", StringComparison.Ordinal));
        run.Quarantined.Select(i => i.Code).Should().Contain("bad-bytes").And.Contain("duplicate-key").And.Contain("bad-date")
            .And.Contain("not-in-identity-map").And.Contain("end-before-start").And.Contain("bad-recurrence");
        var rows = await calendar.SchedulesAsync();
        rows.Should().HaveCount(expected);
        var weekly = rows.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(0));
        weekly.Title.Should().Be("定例会議");
        weekly.Recurrence.Should().StartWith("Weekly/1/Monday/");
        weekly.Private.Should().BeTrue();
        weekly.Calendars.Split(';').Should().Equal(CalendarSamples.Upn(0), CalendarSamples.Upn(1), CalendarSamples.Upn(2));
        weekly.StartUtc.Should().Be(new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(9 - 9 + new Random(Dxmig.Sandbox.Samples.SampleSeed.Of(2026, 0)).Next(8)));
        var trip = rows.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(1));
        trip.AllDay.Should().BeTrue();
        (trip.EndUtc - trip.StartUtc).Should().Be(TimeSpan.FromDays(2), "出張 2024/04/02–04/03 all day");
        trip.StartUtc.Should().Be(new DateTime(2024, 4, 1, 15, 0, 0, DateTimeKind.Utc), "midnight in Tokyo");
        rows.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(2)).Recurrence.Should().StartWith("RelativeMonthly/1/Tuesday/0/second/");
    }

    [Fact]
    public async Task Schedules_Twice_ThenChangedAndRemovedRows_WritesOnlyTheDifference()
    {
        var expected = calendar.GenerateSchedules(new CalendarSampleOptions(40, Cp932: false));
        var job = calendar.JobFile("cess-schedules");
        (await calendar.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        var first = await calendar.SchedulesAsync();
        first.Should().HaveCount(expected);

        var again = await calendar.RunAsync(job);
        again.Run.AlreadyDone.Should().Be(expected);

        calendar.GenerateSchedules(new CalendarSampleOptions(40, Cp932: false) { Changed = new HashSet<int> { 5, 6 }, Removed = new HashSet<int> { 7 } });
        var diff = await calendar.RunAsync(job);

        diff.ExitCode.Should().Be(ExitCodes.Success, diff.Explain);
        diff.Run.AlreadyDone.Should().Be(expected - 3);
        var after = await calendar.SchedulesAsync();
        after.Should().HaveCount(expected - 1).And.NotContain(r => r.ScheduleId == CalendarSamples.ScheduleId(7));
        after.Single(r => r.ScheduleId == CalendarSamples.ScheduleId(5)).Title.Should().EndWith("(変更)");
        var untouched = after.Where(r => r.ScheduleId != CalendarSamples.ScheduleId(5) && r.ScheduleId != CalendarSamples.ScheduleId(6)).ToList();
        untouched.Select(r => (r.ScheduleId, r.UpdatedUtc)).Should().Equal(first.Where(r => untouched.Any(u => u.ScheduleId == r.ScheduleId)).Select(r => (r.ScheduleId, r.UpdatedUtc)));

        var report = Path.Combine(Path.GetTempPath(), $"dxmig-cal-report-{Guid.NewGuid():N}");
        try
        {
            var reconcile = await calendar.ReconcileAsync(job, report);
            reconcile.ExitCode.Should().Be(ExitCodes.Success, reconcile.Explain);
            ReportSummary.Read(report)["totals"]!["matched"]!.GetValue<long>().Should().Be(expected - 1);
        }
        finally
        {
            if (Directory.Exists(report))
            {
                Directory.Delete(report, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Schedules_MassRemoval_IsHeldBackUntilConfirmed()
    {
        calendar.GenerateSchedules(new CalendarSampleOptions(100));
        var job = calendar.JobFile("cess-schedules", extraTarget: "  delete-threshold: 30\n  delete-threshold-percent: 25");
        (await calendar.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        calendar.GenerateSchedules(new CalendarSampleOptions(100) { Removed = Enumerable.Range(50, 40).ToHashSet() });
        var refused = await calendar.RunAsync(job);

        refused.ExitCode.Should().Be(ExitCodes.Quarantined, refused.Explain);
        refused.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes");
        (await calendar.SchedulesAsync()).Should().HaveCount(100);
        var pending = Directory.GetFiles(calendar.Logs("test-schedules"), "pending-deletions-*.csv").Should().ContainSingle().Subject;
        File.ReadAllLines(pending).Should().HaveCount(41).And.Contain(l => l.StartsWith(CalendarSamples.ScheduleId(50) + ",schedule/", StringComparison.Ordinal));
        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

        var confirmed = await calendar.RunAsync(job, confirmDeletes: runId);

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        (await calendar.SchedulesAsync()).Should().HaveCount(60);
    }

    [Fact]
    public async Task Facilities_Utf8ExportWithBadRows_LoadsReservationsAndTheFacilityTable()
    {
        var expected = calendar.GenerateReservations(new CalendarSampleOptions(30, Cp932: false, Planted: true));
        var job = calendar.JobFile("cess-facilities");

        var run = await calendar.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Quarantined.Should().Be(CalendarSamples.PlantedReservationQuarantined);
        run.Quarantined.Should().Contain(i => i.Code == "unknown-facility").And.Contain(i => (i.Location ?? i.NativeId).Contains("reservations.csv:", StringComparison.Ordinal));
        var rows = await calendar.ReservationsAsync();
        rows.Should().HaveCount(expected);
        var first = rows.Single(r => r.ReservationId == CalendarSamples.ReservationId(0));
        first.FacilityCode.Should().Be("F001");
        first.RoomAddress.Should().Be("room-f001@pref.example.jp");
        first.StartUtc.Should().Be(new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc), "9:00 in Tokyo");
        (await calendar.FacilityCountAsync()).Should().Be(CalendarSamples.Facilities.Length);
    }
}

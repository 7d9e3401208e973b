using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Sandbox.Samples;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Jobs.Tests.Cess.Calendar;

/// <summary><c>kind: cess-schedules</c> → each user's calendar, <c>cess-facilities</c> → room calendars, on the Graph emulator.</summary>
public sealed class CalendarGraphRunTests : IAsyncLifetime, IDisposable
{
    private const int People = 6;
    private readonly CalendarHarness calendar = new();
    private GraphEmulator.GraphEmulator graph = null!;

    public async Task InitializeAsync()
    {
        graph = await GraphEmulator.GraphEmulator.StartAsync(
            new GraphEmulatorOptions { Users = [.. Enumerable.Range(0, People).Select(CalendarSamples.Upn)] }, CancellationToken.None);
        foreach (var (_, name, room) in CalendarSamples.Facilities)
        {
            graph.Store.AddRoom(room, name);
        }
    }

    public async Task DisposeAsync() => await graph.DisposeAsync();

    public void Dispose() => calendar.Dispose();

    private string Job(string kind)
    {
        calendar.Environment["DXMIG_GRAPH_SECRET"] = graph.ClientSecret;
        return calendar.JobFile(kind, $"""
              type: graph
              base-url: {graph.BaseUrl}
              authority-host: {graph.AuthorityHost}
              tenant-id: {graph.TenantId}
              client-id: {graph.ClientId}
              client-secret-env: DXMIG_GRAPH_SECRET
              certificate-sha256: {graph.CertificateSha256}
            """);
    }

    private List<StoredEvent> AllEvents() => [.. Enumerable.Range(0, People).SelectMany(i => graph.Store.Events(CalendarSamples.Upn(i)))];

    [Fact]
    public async Task Schedules_BecomeEventsOnEachCalendar_AndASecondRunSendsOnlyTheChangedAndRemovedOnes()
    {
        calendar.GenerateSchedules(new CalendarSampleOptions(20, People, Planted: true));
        var job = Job("cess-schedules");

        var run = await calendar.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        var events = AllEvents();
        events.Should().HaveCount(20 + (5 * 2), "schedules 0, 4, 8, 12, 16 also go to two participants");
        events.Should().OnlyContain(e => e.TransactionId != null && e.TransactionId.StartsWith("dxmig-"));
        events.Select(e => e.TransactionId).Should().OnlyHaveUniqueItems();
        var weekly = graph.Store.Events(CalendarSamples.Upn(1)).Where(e => e.Subject == "定例会議").ToList();
        weekly.Should().ContainSingle("schedule 0 (owner S000001) lists S000002 as a participant");
        var w = weekly[0].Properties;
        w["sensitivity"]!.GetValue<string>().Should().Be("private");
        w["recurrence"]!["pattern"]!["type"]!.GetValue<string>().Should().Be("weekly");
        w["recurrence"]!["pattern"]!["daysOfWeek"]!.AsArray().Single()!.GetValue<string>().Should().Be("monday");
        w["recurrence"]!["range"]!["type"]!.GetValue<string>().Should().Be("endDate");
        w["start"]!["timeZone"]!.GetValue<string>().Should().Be("Tokyo Standard Time");
        var trip = graph.Store.Events(CalendarSamples.Upn(1)).Single(e => e.Subject == "出張 (大阪府庁)").Properties;
        trip["isAllDay"]!.GetValue<bool>().Should().BeTrue();
        trip["start"]!["dateTime"]!.GetValue<string>().Should().Be("2024-04-02T00:00:00");
        trip["end"]!["dateTime"]!.GetValue<string>().Should().Be("2024-04-04T00:00:00");
        var before = events.ToDictionary(e => e.Id, e => e.LastModified);

        calendar.GenerateSchedules(new CalendarSampleOptions(20, People, Planted: true) { Changed = new HashSet<int> { 3 }, Removed = new HashSet<int> { 4 } });
        var second = await calendar.RunAsync(job);

        second.ExitCode.Should().Be(ExitCodes.Quarantined, second.Explain);
        var after = AllEvents();
        after.Should().HaveCount(events.Count - 3, "schedule 4 and its two participants' copies are removed");
        var changed = graph.Store.Events(CalendarSamples.Upn(3)).Single(e => e.Subject!.EndsWith("(変更)", StringComparison.Ordinal));
        before.Should().ContainKey(changed.Id, "the change is an update of the same event");
        after.Where(e => e.Id != changed.Id).Should().OnlyContain(e => before[e.Id] == e.LastModified, "nothing else was touched");
        graph.Stats.TotalRequests("createEvent").Should().Be(events.Count, "no create was sent on the second run");

        // Reconciliation lists every calendar again: each copy found once with its version; then one deleted in Outlook is missing.
        var report = Path.Combine(Path.GetTempPath(), $"dxmig-cal-report-{Guid.NewGuid():N}");
        try
        {
            var reconcile = await calendar.ReconcileAsync(job, report);
            var totals = ReportSummary.Read(report)["totals"]!;
            totals["matched"]!.GetValue<long>().Should().Be(after.Count, reconcile.Explain);
            totals["missing"]!.GetValue<long>().Should().Be(0);
            totals["differences"]!.GetValue<long>().Should().Be(0);
            totals["doubled"]!.GetValue<long>().Should().Be(0);

            graph.Store.DeleteEvent(CalendarSamples.Upn(1), weekly[0].Id).Should().BeTrue();
            var drifted = await calendar.ReconcileAsync(job, report + "2");
            drifted.ExitCode.Should().Be(ExitCodes.Failed, drifted.Explain);
            ReportSummary.Read(report + "2")["totals"]!["missing"]!.GetValue<long>().Should().Be(1);
        }
        finally
        {
            foreach (var folder in new[] { report, report + "2" }.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Schedules_WithLostResponses_ResumeWithoutDoubles()
    {
        calendar.GenerateSchedules(new CalendarSampleOptions(30, People));
        var job = Job("cess-schedules");
        graph.Faults.Add(new FaultRule(FaultKind.LoseResponse) { PathPattern = @"^/\$batch$", Probability = 0.4 });

        for (var run = 0; run < 6 && (await calendar.RunAsync(job)).ExitCode == ExitCodes.Failed; run++)
        {
        }

        graph.Stats.TotalFaultsInjected.Should().BePositive();
        graph.Faults.Clear();
        (await calendar.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        var events = AllEvents();
        events.Should().HaveCount(30 + (8 * 2), "nothing lost, nothing doubled");
        events.Select(e => e.TransactionId).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Reservations_GoToTheRoomCalendars()
    {
        calendar.GenerateReservations(new CalendarSampleOptions(12, People, Planted: true));
        var job = Job("cess-facilities");

        var run = await calendar.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Quarantined.Should().Contain(i => i.Code == "unknown-facility");
        var room = graph.Store.Events("room-f003@pref.example.jp");
        room.Should().HaveCount(3, "reservations 1, 5 and 9 are of 第3会議室");
        var first = room.Single(e => e.Subject == $"予算ヒアリング ({CalendarSamples.PersonId(1)})");
        first.Properties["location"]!["displayName"]!.GetValue<string>().Should().Be("第3会議室");
        first.Properties["start"]!["dateTime"]!.GetValue<string>().Should().Be("2024-04-02T10:00:00");
        graph.Store.Events("car-v001@pref.example.jp").Should().HaveCount(3);
        AllEvents().Should().BeEmpty("reservations go to rooms, not to the reservers");
    }
}

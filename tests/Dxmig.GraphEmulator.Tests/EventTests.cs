using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Tests;

public sealed class EventTests
{
    private const string User = "a@pref.example.jp";
    private const string Room = "room-3f@pref.example.jp";

    private static string Event(string subject, string start = "2024-04-01T10:00:00", string end = "2024-04-01T11:00:00", string extra = "") =>
        $$"""
        {"subject":"{{subject}}","body":{"contentType":"text","content":"メモ"},
         "start":{"dateTime":"{{start}}","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"{{end}}","timeZone":"Tokyo Standard Time"}{{extra}}}
        """;

    [Fact]
    public async Task Create_WithSameTransactionIdTwice_ReturnsTheFirstEvent_AndDifferentContentIsRefused()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);
        var body = Event("定例会議", extra: ""","transactionId":"tx-1","sensitivity":"private" """);

        var first = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", body);
        var again = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/calendar/events", body);
        var other = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("別の会議", extra: ""","transactionId":"tx-1" """));

        first.Status.Should().Be(201);
        again.Status.Should().Be(201);
        again.Body!["id"]!.GetValue<string>().Should().Be(first.Body!["id"]!.GetValue<string>());
        other.Status.Should().Be(400);
        other.Body!["error"]!["code"]!.GetValue<string>().Should().Be("ErrorDuplicateTransactionId");
        var stored = emu.Store.Events(User).Should().ContainSingle().Subject;
        stored.Subject.Should().Be("定例会議");
        stored.TransactionId.Should().Be("tx-1");
        stored.Properties["sensitivity"]!.GetValue<string>().Should().Be("private");
    }

    [Fact]
    public async Task Update_ThatChangesTransactionId_IsRefused_AndDeleteForgetsIt()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);
        var created = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("出張", extra: ""","transactionId":"tx-2" """));
        var id = created.Body!["id"]!.GetValue<string>();

        var changed = await raw.SendAsync(HttpMethod.Patch, $"/users/{User}/events/{id}", """{"transactionId":"tx-3"}""");
        var renamed = await raw.SendAsync(HttpMethod.Patch, $"/users/{User}/events/{id}", """{"subject":"出張 (大阪)"}""");
        var deleted = await raw.SendAsync(HttpMethod.Delete, $"/users/{User}/events/{id}");
        var again = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("出張", extra: ""","transactionId":"tx-2" """));

        changed.Status.Should().Be(400);
        renamed.Status.Should().Be(200);
        renamed.Body!["subject"]!.GetValue<string>().Should().Be("出張 (大阪)");
        deleted.Status.Should().Be(204);
        again.Status.Should().Be(201);
        again.Body!["id"]!.GetValue<string>().Should().NotBe(id);
    }

    [Theory]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Mars/Olympus"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"UTC"}}""", "TimeZoneNotSupportedException")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T09:00:00","timeZone":"Tokyo Standard Time"}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","isAllDay":true,"start":{"dateTime":"2024-04-01T09:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-02T00:00:00","timeZone":"Tokyo Standard Time"}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","sensitivity":"secret","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"}}""", "RequestBodyRead")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"},"recurrence":{"pattern":{"type":"weekly","interval":1},"range":{"type":"noEnd","startDate":"2024-04-01"}}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"},"recurrence":{"pattern":{"type":"daily","interval":1,"dayOfMonth":3},"range":{"type":"noEnd","startDate":"2024-04-01"}}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"},"recurrence":{"pattern":{"type":"absoluteMonthly","interval":1,"dayOfMonth":1},"range":{"type":"noEnd","startDate":"2024-04-02"}}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"},"recurrence":{"pattern":{"type":"hourly","interval":1},"range":{"type":"noEnd","startDate":"2024-04-01"}}}""", "RequestBodyRead")]
    [InlineData("""{"subject":"x","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"},"recurrence":{"pattern":{"type":"daily","interval":1},"range":{"type":"numbered","startDate":"2024-04-01"}}}""", "ErrorPropertyValidationFailure")]
    [InlineData("""{"subject":"x","colour":"red","start":{"dateTime":"2024-04-01T10:00:00","timeZone":"Tokyo Standard Time"},"end":{"dateTime":"2024-04-01T11:00:00","timeZone":"Tokyo Standard Time"}}""", "RequestBodyRead")]
    public async Task Create_WhatGraphRejects_IsRefusedWithGraphsErrorShape(string body, string code)
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);

        var (status, answer, _) = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", body);

        status.Should().Be(400);
        answer!["error"]!["code"]!.GetValue<string>().Should().Be(code);
        answer["error"]!["message"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        emu.Store.Events(User).Should().BeEmpty();
    }

    [Fact]
    public async Task Create_AllDayWeeklyAndRelativeMonthly_AreStoredAsSent()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);

        var allDay = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("休暇", "2024-04-01T00:00:00", "2024-04-03T00:00:00", ""","isAllDay":true"""));
        var weekly = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("定例会議", extra:
            ""","recurrence":{"pattern":{"type":"weekly","interval":2,"daysOfWeek":["monday","wednesday"],"firstDayOfWeek":"sunday"},"range":{"type":"endDate","startDate":"2024-04-01","endDate":"2025-03-31"}}"""));
        var relative = await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("課内会議", extra:
            ""","recurrence":{"pattern":{"type":"relativeMonthly","interval":1,"daysOfWeek":["tuesday"],"index":"second"},"range":{"type":"numbered","startDate":"2024-04-01","numberOfOccurrences":10}}"""));

        new[] { allDay.Status, weekly.Status, relative.Status }.Should().AllBeEquivalentTo(201);
        weekly.Body!["type"]!.GetValue<string>().Should().Be("seriesMaster");
        var events = emu.Store.Events(User);
        events.Select(e => e.Subject).Should().Equal("休暇", "定例会議", "課内会議");
        events[1].Properties["recurrence"]!["pattern"]!["daysOfWeek"]!.AsArray().Select(d => d!.GetValue<string>()).Should().Equal("monday", "wednesday");
    }

    [Fact]
    public async Task Rooms_AreListedAsPlaces_AndTheirCalendarIsReachedAsAUser()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        emu.Store.AddRoom(Room, "第3会議室");
        using var raw = new RawGraph(emu);

        var places = await raw.SendAsync(HttpMethod.Get, "/places/microsoft.graph.room");
        var created = await raw.SendAsync(HttpMethod.Post, $"/users/{Room}/events", Event("打合せ (S000001)"));
        var listed = await raw.SendAsync(HttpMethod.Get, $"/users/{Room}/events?$select=subject");
        var unknown = await raw.SendAsync(HttpMethod.Post, "/users/nobody@pref.example.jp/events", Event("x"));

        places.Status.Should().Be(200);
        var room = places.Body!["value"]!.AsArray().Should().ContainSingle().Subject!.AsObject();
        room["displayName"]!.GetValue<string>().Should().Be("第3会議室");
        room["emailAddress"]!.GetValue<string>().Should().Be(Room);
        created.Status.Should().Be(201);
        listed.Body!["value"]!.AsArray().Select(v => v!["subject"]!.GetValue<string>()).Should().Equal("打合せ (S000001)");
        unknown.Status.Should().Be(404);
        emu.Store.Events(User).Should().BeEmpty();
    }

    [Fact]
    public async Task Events_FilteredByExtendedProperty_InBatch()
    {
        const string key = "String {6f1b7c2a-3e4d-4a5b-8c9d-0e1f2a3b4c5d} Name dxmigSourceKey";
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);
        var props = $$""","singleValueExtendedProperties":[{"id":"{{key}}","value":"k-1"}]""";
        await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("一つ目", extra: props));
        await raw.SendAsync(HttpMethod.Post, $"/users/{User}/events", Event("二つ目"));
        var filter = Uri.EscapeDataString($"singleValueExtendedProperties/Any(ep: ep/id eq '{key}' and ep/value eq 'k-1')");
        var batch = new JsonObject
        {
            ["requests"] = new JsonArray(new JsonObject { ["id"] = "1", ["method"] = "GET", ["url"] = $"/users/{User}/events?$filter={filter}&$select=id,subject" }),
        };

        var (status, body, _) = await raw.SendAsync(HttpMethod.Post, "/$batch", batch.ToJsonString());

        status.Should().Be(200);
        var answer = body!["responses"]!.AsArray().Should().ContainSingle().Subject!;
        answer["status"]!.GetValue<int>().Should().Be(200);
        answer["body"]!["value"]!.AsArray().Select(v => v!["subject"]!.GetValue<string>()).Should().Equal("一つ目");
    }
}

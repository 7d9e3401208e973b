using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class ThrottlingTests
{
    private const string User = "a@pref.example.jp";

    [Fact]
    public async Task BatchItems_FindingNoFreeMailboxSlot_Get429InTheirOwnHeaders_WhileTheBatchIs200()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        using var raw = new RawGraph(emu);
        await raw.SendAsync(HttpMethod.Get, $"/users/{User}"); // token first, so the slow requests start together
        emu.Faults.Add(new FaultRule(FaultKind.Delay) { Method = "POST", PathPattern = "/messages$", Count = 4, Delay = TimeSpan.FromSeconds(2) });
        var slow = Enumerable.Range(0, 4).Select(i => graph.Users[User].MailFolders["inbox"].Messages.PostAsync(new Message { Subject = $"slow{i}" })).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (emu.Stats.Mailbox(User).MaxConcurrency < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var batch = new JsonObject
        {
            ["requests"] = new JsonArray(Enumerable.Range(1, 3).Select(i => (JsonNode)new JsonObject
            {
                ["id"] = $"{i}",
                ["method"] = "GET",
                ["url"] = $"/users/{User}/mailFolders/inbox/messages",
            }).ToArray()),
        };
        var (status, body, _) = await raw.SendAsync(HttpMethod.Post, "/$batch", batch.ToJsonString());
        await Task.WhenAll(slow);

        status.Should().Be(200);
        var responses = body!["responses"]!.AsArray();
        responses.Should().HaveCount(3).And.AllSatisfy(r =>
        {
            r!["status"]!.GetValue<int>().Should().Be(429);
            int.Parse(r["headers"]!["Retry-After"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
            r["body"]!["error"]!["message"]!.GetValue<string>().Should().Contain("MailboxConcurrency");
        });
        emu.Stats.For(User, Operations.ListMessages).Throttled.Should().Be(3);
        emu.Store.AllMessages(User).Should().HaveCount(4);
    }

    [Fact]
    public async Task RequestBudget_Exceeded_Is429WithRetryAfter_UntilTheWindowSlides()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 6, 1, 0, 0, TimeSpan.Zero));
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions
        {
            Users = [User],
            TimeProvider = clock,
            Throttling = new ThrottlingSettings().Scaled(0.0005), // 5 requests per 0.3 s
        }, CancellationToken.None);
        emu.Throttling.Settings = emu.Throttling.Settings with { RequestWindow = TimeSpan.FromSeconds(30) };
        var graph = GraphClients.Client(emu);
        for (var i = 0; i < 5; i++)
        {
            await graph.Users[User].MailFolders["inbox"].GetAsync();
        }

        var over = () => graph.Users[User].MailFolders["inbox"].GetAsync();
        var error = (await over.Should().ThrowAsync<ODataError>()).Which;
        clock.Advance(TimeSpan.FromSeconds(30));
        var after = await graph.Users[User].MailFolders["inbox"].GetAsync();

        error.ResponseStatusCode.Should().Be(429);
        error.Error!.Code.Should().Be("ApplicationThrottled");
        error.ResponseHeaders["Retry-After"].Should().Equal("30");
        after!.DisplayName.Should().Be("受信トレイ");
        emu.Stats.Mailbox(User).Throttled.Should().Be(1);
    }

    [Fact]
    public async Task UploadBudget_Exceeded_Is429IncomingBytes()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions
        {
            Users = [User],
            Throttling = new ThrottlingSettings { UploadByteLimit = 1024 * 1024 },
        }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        // A fresh object per call: the SDK's backing store sends only changed properties when an object is sent again.
        static Message Large() => new() { Subject = "大", Body = new ItemBody { ContentType = BodyType.Text, Content = new string('a', 600_000) } };
        await graph.Users[User].Messages.PostAsync(Large());

        var second = () => graph.Users[User].Messages.PostAsync(Large());

        var error = (await second.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(429);
        error.Error!.Message.Should().Contain("IncomingBytes");
        emu.Store.AllMessages(User).Should().HaveCount(1);
        emu.Stats.Mailbox(User).BytesReceived.Should().BeGreaterThan(600_000);
    }

    [Fact]
    public async Task RequestOver4MB_Is413_AndNotStored()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var huge = () => graph.Users[User].Messages.PostAsync(new Message { Body = new ItemBody { Content = new string('x', 5 * 1024 * 1024) } });

        var error = (await huge.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(413);
        error.Error!.Message.Should().Be("Maximum request length exceeded.");
        emu.Store.AllMessages(User).Should().BeEmpty();
    }
}

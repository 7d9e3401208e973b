using System.Text.Json.Nodes;
using Microsoft.Graph;
using Microsoft.Graph.Models;

namespace Dxmig.GraphEmulator.Tests;

public sealed class BatchTests
{
    private const string User = "a@pref.example.jp";

    private static JsonObject CreateItem(string id, string subject, params string[] dependsOn)
    {
        var item = new JsonObject
        {
            ["id"] = id,
            ["method"] = "POST",
            ["url"] = $"/users/{User}/mailFolders/inbox/messages",
            ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
            ["body"] = new JsonObject { ["subject"] = subject },
        };
        if (dependsOn.Length > 0)
        {
            item["dependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)d).ToArray());
        }

        return item;
    }

    private static string Batch(IEnumerable<JsonObject> items) => new JsonObject { ["requests"] = new JsonArray(items.ToArray<JsonNode>()) }.ToJsonString();

    [Fact]
    public async Task TwentyOneRequests_Are400_AndNothingIsStored()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);

        var (status, body, _) = await raw.SendAsync(HttpMethod.Post, "/$batch", Batch(Enumerable.Range(1, 21).Select(i => CreateItem($"{i}", $"m{i}"))));

        status.Should().Be(400);
        body!["error"]!["message"]!.GetValue<string>().Should().Contain("20");
        emu.Store.AllMessages(User).Should().BeEmpty();
    }

    [Fact]
    public async Task FailedDependency_Is424ForTheDependent()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var raw = new RawGraph(emu);
        var bad = CreateItem("1", "bad");
        bad["body"]!["nonsense"] = 1;

        var (status, body, _) = await raw.SendAsync(HttpMethod.Post, "/$batch", Batch([bad, CreateItem("2", "after bad", "1"), CreateItem("3", "independent")]));

        status.Should().Be(200);
        var byId = body!["responses"]!.AsArray().ToDictionary(r => r!["id"]!.GetValue<string>(), r => r!["status"]!.GetValue<int>());
        byId.Should().Equal(new Dictionary<string, int> { ["1"] = 400, ["2"] = 424, ["3"] = 201 });
        emu.Store.AllMessages(User).Select(m => m.Subject).Should().Equal("independent");
    }

    [Fact]
    public async Task SdkBatch_CreatesMessagesAndReadsResponses_FourItemsOfAMailboxAtOnce()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        // Hold each item a little so the items really overlap.
        emu.Faults.Add(new FaultRule(FaultKind.Delay) { PathPattern = "/messages$", Delay = TimeSpan.FromMilliseconds(100) });
        var batch = new BatchRequestContentCollection(graph);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await batch.AddBatchRequestStepAsync(graph.Users[User].MailFolders["inbox"].Messages.ToPostRequestInformation(new Message { Subject = $"件名{i}" })));
        }

        var response = await graph.Batch.PostAsync(batch);
        var codes = await response.GetResponsesStatusCodesAsync();
        var first = await response.GetResponseByIdAsync<Message>(ids[0]);

        codes.Values.Should().AllSatisfy(c => ((int)c).Should().Be(201));
        first.Subject.Should().Be("件名0");
        emu.Store.AllMessages(User).Should().HaveCount(20);
        emu.Stats.Mailbox(User).MaxConcurrency.Should().Be(4);
        emu.Stats.CreateCallsFor(User).Should().Be(20);
        emu.Stats.For(User, Operations.BatchItem).Requests.Should().Be(20);
    }
}

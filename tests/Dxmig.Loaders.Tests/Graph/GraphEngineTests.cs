using System.Text;
using Dxmig.Contracts;
using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>The engine against the Graph emulator in-process: how it batches, waits out throttling, retries and maps answers.</summary>
public sealed class GraphEngineTests
{
    private const string Mailbox = "telework";
    private static readonly string[] Users = ["tanaka", "sato", "suzuki"];

    [Theory]
    [InlineData(20, 3)]
    [InlineData(7, 7)]
    public async Task RunAsync_ManyOperations_GoInBatchesOfTheBatchSize_AndAnswersKeepTheirOrder(int batchSize, int httpRequests)
    {
        await using var graph = await EmulatedGraph.StartAsync(Users, o => o with { BatchSize = batchSize });
        var engine = new GraphEngine(graph.Session, NullLogger.Instance, TimeProvider.System);
        var upns = Enumerable.Range(0, 45).Select(i => EmulatedGraph.Upn(Users[i % Users.Length])).ToList();

        var outcomes = await engine.RunAsync(Mailbox, [.. upns.Select(u => new GraphOperation("GET", $"/users/{Uri.EscapeDataString(u)}?$select=id"))], CancellationToken.None);

        outcomes.Select(o => o.Property("id")).Should().Equal(upns.Select(u => graph.Emulator.Store.FindUser(u)!.Id));
        outcomes.Should().OnlyContain(o => o.Kind == GraphOutcomeKind.Done && o.Status == 200);
        engine.HttpRequests.Should().Be(httpRequests);
        engine.Operations.Should().Be(45);
        graph.Emulator.Stats.TotalRequests(Operations.Batch).Should().Be(httpRequests);
        graph.Emulator.Stats.TotalRequests(Operations.GetUser).Should().Be(45);
    }

    [Fact]
    public async Task RunAsync_ABatchOverTheRequestCap_IsSplitUnderIt()
    {
        var operation = new GraphOperation("GET", $"/users/{Uri.EscapeDataString(EmulatedGraph.Upn("tanaka"))}?$select=id");
        await using var graph = await EmulatedGraph.StartAsync(Users, o => o with { MaxRequestBytes = 64 + (2 * operation.BatchBytes) });
        var engine = new GraphEngine(graph.Session, NullLogger.Instance, TimeProvider.System);

        var outcomes = await engine.RunAsync(Mailbox, [.. Enumerable.Repeat(operation, 5)], CancellationToken.None);

        outcomes.Should().HaveCount(5).And.OnlyContain(o => o.IsDone);
        engine.HttpRequests.Should().Be(3, "two operations fit under the cap: 2 + 2 + 1");
        graph.Emulator.Stats.TotalRequests(Operations.Batch).Should().Be(2, "the last one goes alone, not as a $batch");
    }

    [Fact]
    public async Task RunAsync_AThrottledRequest_IsSentAgainOnlyAfterItsRetryAfter()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var (engine, time) = FakeClockEngine(graph);
        var group = graph.Emulator.Store.Groups.Seed("テレワーク許可");
        graph.Emulator.Store.Groups.ThrottleNext(1, retryAfterSeconds: 3);

        var run = engine.RunAsync(Mailbox, new GraphOperation("GET", $"/groups/{group.Id}"), CancellationToken.None);
        var waited = await EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Store.Groups.Throttled == 1);

        (await run).Property("displayName").Should().Be("テレワーク許可");
        waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), "Retry-After said 3 seconds (not the 1-second default)");
        engine.Throttled.Should().Be(1);
        engine.Retried.Should().Be(0, "a throttled request is not a failure");
        engine.HttpRequests.Should().Be(2);
    }

    [Fact]
    public async Task RunAsync_AThrottledItemInABatch_IsSentAgainAlone_AfterTheRetryAfterInItsOwnHeaders()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var (engine, time) = FakeClockEngine(graph);
        var groups = Enumerable.Range(1, 3).Select(i => graph.Emulator.Store.Groups.Seed($"グループ{i}")).ToList();
        graph.Emulator.Store.Groups.ThrottleNext(1, retryAfterSeconds: 2);

        var run = engine.RunAsync(Mailbox, [.. groups.Select(g => new GraphOperation("GET", $"/groups/{g.Id}"))], CancellationToken.None);
        var waited = await EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Store.Groups.Throttled == 1);

        (await run).Select(o => o.Property("displayName")).Should().Equal("グループ1", "グループ2", "グループ3");
        waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
        engine.Throttled.Should().Be(1);
        engine.Operations.Should().Be(4, "three, then the throttled one again");
        engine.HttpRequests.Should().Be(2, "the $batch, then the one item alone");
    }

    [Fact]
    public async Task RunAsync_Answers_AreDoneOrRefused_AndADeleteOfWhatIsAlreadyGoneIsDone()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var engine = new GraphEngine(graph.Session, NullLogger.Instance, TimeProvider.System);
        var group = graph.Emulator.Store.Groups.Seed("総務課");
        var missing = Guid.NewGuid().ToString("D");

        var outcomes = await engine.RunAsync(Mailbox, [
            new GraphOperation("GET", $"/groups/{group.Id}"),
            new GraphOperation("GET", $"/groups/{missing}"),
            new GraphOperation("DELETE", $"/groups/{group.Id}/members/{missing}/$ref"),
            new GraphOperation("PATCH", $"/groups/{group.Id}", Encoding.UTF8.GetBytes("""{"mailNickname": "x"}""")),
        ], CancellationToken.None);

        outcomes.Select(o => (o.Kind, o.Status)).Should().Equal(
            (GraphOutcomeKind.Done, 200),
            (GraphOutcomeKind.Refused, 404),
            (GraphOutcomeKind.Done, 404),
            (GraphOutcomeKind.Refused, 400));
        outcomes[1].ErrorCode.Should().Be("Request_ResourceNotFound");
        outcomes[1].Reason.Should().Be(
            $"HTTP 404 Request_ResourceNotFound: Resource '{missing}' does not exist or one of its queried reference-property objects are not present.");
        outcomes[3].ErrorCode.Should().Be("RequestBodyRead", "mailNickname cannot be changed");
        engine.Retried.Should().Be(0, "a refusal is final");
    }

    [Fact]
    public async Task RunAsync_ACreateWhoseAnswerIsLost_IsInDoubt_AndNotSentAgain()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var engine = new GraphEngine(graph.Session, NullLogger.Instance, TimeProvider.System);
        graph.Emulator.Faults.Add(new FaultRule(FaultKind.GatewayTimeoutAfterProcessing) { Method = "POST", PathPattern = "^/groups$", Count = 1 });
        var body = """{"displayName": "在宅勤務", "mailEnabled": false, "mailNickname": "zaitaku", "securityEnabled": true}""";

        var outcome = await engine.RunAsync(Mailbox, new GraphOperation("POST", "/groups", Encoding.UTF8.GetBytes(body)), CancellationToken.None);

        outcome.Kind.Should().Be(GraphOutcomeKind.InDoubt);
        outcome.Status.Should().Be(504);
        graph.Emulator.Store.Groups.Group("在宅勤務").Should().NotBeNull("the create did happen: that is why it is in doubt");
        graph.Emulator.Stats.TotalRequests("createGroup").Should().Be(1, "a create is never sent again blindly");
        engine.Retried.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_AnIdempotentRequestThatFails_IsSentAgainAfterTheServersRetryAfter()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var (engine, time) = FakeClockEngine(graph);
        var group = graph.Emulator.Store.Groups.Seed("総務課");
        graph.Emulator.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { Method = "GET", PathPattern = "^/groups/", Count = 2 });

        var run = engine.RunAsync(Mailbox, new GraphOperation("GET", $"/groups/{group.Id}"), CancellationToken.None);
        var waited = await EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Stats.FaultsInjected(FaultKind.ServiceUnavailable) >= 1);

        (await run).IsDone.Should().BeTrue();
        engine.Retried.Should().Be(2);
        waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), "503 said Retry-After 1, twice");
    }

    [Fact]
    public async Task RunAsync_RetriesSpent_FailsTheAccount_NamingTheMailboxAndGraphsAnswer()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users, o => o with { MaxRetries = 1 });
        var (engine, time) = FakeClockEngine(graph);
        var group = graph.Emulator.Store.Groups.Seed("総務課");
        graph.Emulator.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { Method = "GET", PathPattern = "^/groups/" });

        var run = engine.RunAsync(Mailbox, new GraphOperation("GET", $"/groups/{group.Id}"), CancellationToken.None);
        var act = () => EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Stats.FaultsInjected(FaultKind.ServiceUnavailable) >= 1);

        (await act.Should().ThrowAsync<AccountFailedException>()).Which.Message.Should().Be(
            "Graph が telework への要求に 2 回続けて失敗しました (HTTP 503 serviceNotAvailable: The service is temporarily unavailable (injected fault).) / " +
            "Graph failed 2 times in a row for telework (HTTP 503 serviceNotAvailable: The service is temporarily unavailable (injected fault).)");
        graph.Emulator.Stats.FaultsInjected(FaultKind.ServiceUnavailable).Should().Be(2);
    }

    /// <summary>An engine on a clock the test moves (its waits end only when the test advances it).</summary>
    private static (GraphEngine Engine, FakeTimeProvider Time) FakeClockEngine(EmulatedGraph graph)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (new GraphEngine(graph.Session, NullLogger.Instance, time), time);
    }
}

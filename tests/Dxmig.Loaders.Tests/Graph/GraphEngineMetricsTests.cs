using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.Telemetry;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>
/// The engine's throttling waits as the "Dxmig" meter counts them. The throttling metrics carry no job, so these tests
/// run alone (no other test of this assembly throttles Graph meanwhile).
/// </summary>
[Collection(Name)]
public sealed class GraphEngineMetricsTests
{
    public const string Name = "graph-engine-metrics (alone)";
    private const string Mailbox = "telework";
    private static readonly string[] Users = ["tanaka"];

    [Fact]
    public async Task RunAsync_AThrottledRequest_CountsOneGraphWait_OfTheRetryAfter()
    {
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var (engine, time) = FakeClockEngine(graph);
        var group = graph.Emulator.Store.Groups.Seed("テレワーク許可");
        graph.Emulator.Store.Groups.ThrottleNext(1, retryAfterSeconds: 3);

        var run = engine.RunAsync(Mailbox, new GraphOperation("GET", $"/groups/{group.Id}"), CancellationToken.None);
        await EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Store.Groups.Throttled == 1);

        (await run).IsDone.Should().BeTrue();
        metrics.Of("dxmig.throttle.waits").Should().ContainSingle().Which.Tags.Should().Contain(DxmigMetrics.EndpointTag, "graph");
        metrics.Of("dxmig.throttle.wait.duration", (DxmigMetrics.EndpointTag, "graph")).Should().ContainSingle()
            .Which.Value.Should().Be(3, "Retry-After said 3 seconds");
        engine.Throttled.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_ARetryAfterAServerError_IsNotAThrottlingWait()
    {
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var (engine, time) = FakeClockEngine(graph);
        var group = graph.Emulator.Store.Groups.Seed("総務課");
        graph.Emulator.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { Method = "GET", PathPattern = "^/groups/", Count = 1 });

        var run = engine.RunAsync(Mailbox, new GraphOperation("GET", $"/groups/{group.Id}"), CancellationToken.None);
        await EmulatedGraph.AdvanceUntilDoneAsync(time, run, () => graph.Emulator.Stats.FaultsInjected(FaultKind.ServiceUnavailable) >= 1);

        (await run).IsDone.Should().BeTrue();
        engine.Retried.Should().Be(1, "the request was sent again after the 503");
        metrics.Of("dxmig.throttle.waits").Should().BeEmpty("a 503 is a failure retried, not throttling");
    }

    private static (GraphEngine Engine, FakeTimeProvider Time) FakeClockEngine(EmulatedGraph graph)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (new GraphEngine(graph.Session, NullLogger.Instance, time), time);
    }
}

/// <summary>Tests that read process-wide measurements without a tag of their own: they run when nothing else does.</summary>
[CollectionDefinition(GraphEngineMetricsTests.Name, DisableParallelization = true)]
public sealed class GraphEngineMetricsGroup;

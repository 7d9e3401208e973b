using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Telemetry;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests.Telemetry;

/// <summary>
/// The hot-path hooks allocate nothing while nobody listens. Runs alone: a listener of another test (they hear the whole
/// process) would switch the instruments on.
/// </summary>
[Collection(Name)]
public sealed class DxmigMetricsCostTests
{
    public const string Name = "dxmig-metrics-cost (alone)";

    [Fact]
    public void Hooks_WithNobodyListening_AllocateNothing()
    {
        var settings = new RunSettings { Job = "metrics-cost", Kind = "mail", Accounts = ["a"] };
        Hooks(settings); // first calls: type initialisation

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Hooks(settings);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Hooks_WithAListener_AreHeard()
    {
        var settings = new RunSettings { Job = "metrics-cost", Kind = "mail", Accounts = ["a"] };
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);

        Hooks(settings);

        metrics.Sum("dxmig.items", (DxmigMetrics.JobTag, "metrics-cost")).Should().Be(3);
        metrics.Sum("dxmig.bytes", (DxmigMetrics.JobTag, "metrics-cost"), (DxmigMetrics.OutcomeTag, "quarantined")).Should().Be(20);
        metrics.Of("dxmig.quarantines", (DxmigMetrics.JobTag, "metrics-cost")).Should().ContainSingle().Which.Tags[DxmigMetrics.ReasonTag].Should().Be("too-large-for-target");
        metrics.Of("dxmig.throttle.waits", (DxmigMetrics.EndpointTag, "graph")).Should().ContainSingle();
        metrics.Of("dxmig.throttle.wait.duration", (DxmigMetrics.EndpointTag, "graph")).Should().ContainSingle().Which.Value.Should().Be(2);
        metrics.Of("dxmig.lease.takeovers", (DxmigMetrics.JobTag, "metrics-cost")).Should().ContainSingle();
    }

    private static void Hooks(RunSettings settings)
    {
        DxmigMetrics.ItemRecorded(settings, ItemState.Loaded, 10, null);
        DxmigMetrics.ItemRecorded(settings, ItemState.Quarantined, 20, "too-large-for-target");
        DxmigMetrics.ItemAlreadyDone(settings, 30);
        DxmigMetrics.ThrottleWaited(ThrottledEndpoint.Graph, TimeSpan.FromSeconds(2));
        DxmigMetrics.LeaseTakenOver(settings.Job);
    }
}

/// <summary>Tests that need no listener of another test active: they run when nothing else does.</summary>
[CollectionDefinition(DxmigMetricsCostTests.Name, DisableParallelization = true)]
public sealed class DxmigMetricsCostGroup;

using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Telemetry;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// A mail job run through the job layer (IMAP source into the exo-imap sandbox, throttled like Exchange Online) as the
/// "Dxmig" meter sees it. The throttling metrics carry no job, so this test runs alone.
/// </summary>
[Collection(Name)]
public sealed class MailRunMetricsTests
{
    public const string Name = "mail-run-metrics (alone)";
    private static readonly string[] Users = ["tanaka", "suzuki"];

    [Fact]
    public async Task Run_ThrottledExchangeImap_RecordsItsWaitsItemsAndOneRun_UnderTheJobAndItsKind()
    {
        var backoff = TimeSpan.FromMilliseconds(1200);
        using var metrics = new MetricsRecorder(DxmigMetrics.MeterName);
        await using var mail = await ExoImapHarness.StartAsync(Users, proxyOptions: o => o with { MaxCommandsPerSecond = 15, RateLimitBackoff = backoff });

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var job = (DxmigMetrics.JobTag, run.Run.Job);
        mail.Proxy.ThrottledAnswers.Should().BeGreaterThan(0, "the budget was hit");
        var waits = metrics.Of("dxmig.throttle.waits");
        waits.Should().NotBeEmpty().And.OnlyContain(w => w.Tags[DxmigMetrics.EndpointTag] == "exchange-imap", "the target signs in with OAuth: Exchange Online's IMAP");
        metrics.Of("dxmig.throttle.wait.duration").Select(d => d.Value).Should().HaveCount(waits.Count)
            .And.OnlyContain(seconds => seconds == backoff.TotalSeconds, "each wait is the Suggested Backoff Time the server asked for");

        metrics.Sum("dxmig.items", job, (DxmigMetrics.OutcomeTag, "loaded")).Should().Be(run.Run.Loaded).And.Be(mail.Manifest.Messages.Count());
        metrics.Of("dxmig.items", job).Should().OnlyContain(m => m.Tags[DxmigMetrics.KindTag] == "mail", "the job file says kind: mail");
        metrics.Sum("dxmig.bytes", job).Should().Be(run.Run.Bytes);
        metrics.Of("dxmig.runs", job).Should().ContainSingle().Which.Tags.Should().Contain(DxmigMetrics.OutcomeTag, DxmigMetrics.RunOutcomeWord(RunOutcome.Succeeded));
        metrics.Of("dxmig.run.duration", job).Should().ContainSingle();
        metrics.Observe("dxmig.accounts.in_flight", job).Should().ContainSingle().Which.Value.Should().Be(0);
    }
}

/// <summary>Tests that read process-wide measurements without a tag of their own: they run when nothing else does.</summary>
[CollectionDefinition(MailRunMetricsTests.Name, DisableParallelization = true)]
public sealed class MailRunMetricsGroup;

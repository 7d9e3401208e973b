using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Platform.Telemetry;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Platform.Tests.Telemetry;

/// <summary>
/// What a real pipeline run (the runner, the SQLite ledger, an in-memory source and target) records on the "Dxmig"
/// meter, compared with the run's own accounting and with the ledger. Each test uses a job name of its own, so runs of
/// other tests at the same time do not count.
/// </summary>
public sealed class DxmigMetricsTests : IDisposable
{
    private const string Kind = "notes";
    private readonly TempFolder temp = new();
    private readonly MemoryExtractor extractor = new();
    private readonly MemoryTarget target = new();
    private readonly MetricsRecorder metrics = new(DxmigMetrics.MeterName);

    public void Dispose()
    {
        metrics.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task Run_ItemsBytesAndQuarantines_MatchTheRunsAccountingAndTheLedger()
    {
        const string job = "metrics-items";
        extractor.Add("alice", "a", "fine one");
        extractor.Add("alice", "b", "unreadable", ItemProblem.Quarantine("bad-bytes", "不正なバイト", "bad bytes"));
        extractor.Add("alice", "c", "skip me");
        extractor.Add("alice", "d", "bad record");
        extractor.Add("alice", "e", "too large for it");
        extractor.Add("bob", "f", "fine two");
        extractor.Add("bob", "g", "bad as well");
        extractor.Add("bob", "h", "fine three, longer");
        target.Refuse.Add("too large for it");

        var result = await RunAsync(job, ["alice", "bob"]);

        result.Run.Outcome.Should().Be(RunOutcome.CompletedWithQuarantine);
        await using var ledger = await OpenLedgerAsync();
        var loaded = await ledger.ItemsInStateAsync(job, ItemState.Loaded, 100, default);
        var quarantined = await ledger.ItemsInStateAsync(job, ItemState.Quarantined, 100, default);
        var skipped = await ledger.ItemsInStateAsync(job, ItemState.Skipped, 100, default);
        Items("loaded").Should().Be(result.Run.Loaded).And.Be(loaded.Count).And.Be(3);
        Items("quarantined").Should().Be(result.Run.Quarantined).And.Be(quarantined.Count).And.Be(4);
        Items("skipped").Should().Be(result.Run.Skipped).And.Be(skipped.Count).And.Be(1);
        Items("already_done").Should().Be(0);
        Bytes("loaded").Should().Be("fine one".Length + "fine two".Length + "fine three, longer".Length);
        DxmigMetrics.ItemOutcomes.Sum(Bytes).Should().Be(result.Run.Bytes, "every byte seen is counted under one outcome");
        metrics.Of("dxmig.items", (DxmigMetrics.JobTag, job)).Should().OnlyContain(m => m.Tags[DxmigMetrics.KindTag] == Kind);

        var byReason = metrics.Of("dxmig.quarantines", (DxmigMetrics.JobTag, job))
            .GroupBy(m => m.Tags[DxmigMetrics.ReasonTag]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        byReason.Should().BeEquivalentTo(quarantined.GroupBy(q => q.Code!).ToDictionary(g => g.Key, g => (double)g.Count()));
        byReason.Should().BeEquivalentTo(new Dictionary<string, double> { ["bad-bytes"] = 1, ["test-bad"] = 2, ["too-big"] = 1 });

        var runs = metrics.Of("dxmig.runs", (DxmigMetrics.JobTag, job));
        runs.Should().ContainSingle().Which.Tags.Should().Contain(DxmigMetrics.OutcomeTag, "quarantined").And.Contain(DxmigMetrics.KindTag, Kind);
        metrics.Of("dxmig.run.duration", (DxmigMetrics.JobTag, job), (DxmigMetrics.OutcomeTag, "quarantined")).Should().ContainSingle()
            .Which.Value.Should().BeGreaterThanOrEqualTo(0);

        // Nothing changed: the second run finds every item already done, and is a second run.
        var second = await RunAsync(job, ["alice", "bob"]);

        Items("already_done").Should().Be(second.Run.AlreadyDone).And.Be(3);
        Items("loaded").Should().Be(3, "nothing was loaded again");
        metrics.Of("dxmig.runs", (DxmigMetrics.JobTag, job)).Should().HaveCount(2);
        metrics.Of("dxmig.run.duration", (DxmigMetrics.JobTag, job)).Should().HaveCount(2, "one duration per run");

        double Items(string outcome) => metrics.Sum("dxmig.items", (DxmigMetrics.JobTag, job), (DxmigMetrics.OutcomeTag, outcome));
        double Bytes(string outcome) => metrics.Sum("dxmig.bytes", (DxmigMetrics.JobTag, job), (DxmigMetrics.OutcomeTag, outcome));
    }

    [Fact]
    public async Task Run_AccountsInFlight_RiseWhileAccountsRun_AndReturnToZero_EvenWhenOneFails()
    {
        const string job = "metrics-in-flight";
        Fill("alice", 6);
        Fill("carol", 6);
        Fill("broken", 6);
        extractor.FailingAccounts.Add("broken");
        var during = new List<double>();
        target.OnCall = _ =>
        {
            lock (during)
            {
                during.Add(InFlight());
            }

            return Task.CompletedTask;
        };

        var result = await RunAsync(job, ["alice", "broken", "carol"]);

        result.Run.Outcome.Should().Be(RunOutcome.Failed);
        during.Should().NotBeEmpty().And.OnlyContain(n => n >= 1, "an account was loading when the target was called");
        InFlight().Should().Be(0);
        metrics.Of("dxmig.runs", (DxmigMetrics.JobTag, job)).Should().ContainSingle().Which.Tags[DxmigMetrics.OutcomeTag].Should().Be("failed");

        double InFlight() => metrics.Observe("dxmig.accounts.in_flight", (DxmigMetrics.JobTag, job)).Should().ContainSingle().Which.Value;
    }

    [Fact]
    public async Task DryRun_RecordsNothing()
    {
        const string job = "metrics-dry";
        Fill("alice", 5);

        var result = await RunAsync(job, ["alice"], dryRun: true);

        result.Run.Loaded.Should().Be(5, "a dry run counts what it would load");
        metrics.Of("dxmig.items", (DxmigMetrics.JobTag, job)).Should().BeEmpty();
        metrics.Of("dxmig.runs", (DxmigMetrics.JobTag, job)).Should().BeEmpty();
        metrics.Observe("dxmig.accounts.in_flight", (DxmigMetrics.JobTag, job)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("too-large-for-target", "too-large-for-target")]
    [InlineData("rule:test", "rule:test")]
    [InlineData("not_in_identity_map", "not_in_identity_map")]
    [InlineData("free text: the target refused", DxmigMetrics.OtherReason)]
    [InlineData("Bad-Date", DxmigMetrics.OtherReason)]
    [InlineData("宛先不明", DxmigMetrics.OtherReason)]
    [InlineData("", DxmigMetrics.OtherReason)]
    [InlineData(null, DxmigMetrics.OtherReason)]
    public void Reason_KeepsAPlainCode_AndNeverFreeText(string? code, string expected) =>
        DxmigMetrics.Reason(code).Should().Be(expected);

    [Fact]
    public void Reason_AVeryLongCode_IsOther() =>
        DxmigMetrics.Reason(new string('a', 65)).Should().Be(DxmigMetrics.OtherReason);

    [Theory]
    [InlineData(RunOutcome.Succeeded, "succeeded")]
    [InlineData(RunOutcome.CompletedWithQuarantine, "quarantined")]
    [InlineData(RunOutcome.CompletedWithWarnings, "needs_attention")]
    [InlineData(RunOutcome.Failed, "failed")]
    [InlineData(RunOutcome.Stopped, "stopped")]
    public void RunOutcomeWord_IsOneLowerCaseWord(RunOutcome outcome, string expected) =>
        DxmigMetrics.RunOutcomeWord(outcome).Should().Be(expected);

    private void Fill(string account, int count)
    {
        for (var i = 0; i < count; i++)
        {
            extractor.Add(account, $"id{i}", $"message {i} of {account}");
        }
    }

    private Task<JobLedger> OpenLedgerAsync() =>
        JobLedger.OpenAsync(StoreLocation.Parse(temp.File("ledger.db"), temp.Path), TimeProvider.System, default);

    private async Task<RunResult> RunAsync(string job, IReadOnlyList<string> accounts, bool dryRun = false)
    {
        await using var ledger = await OpenLedgerAsync();
        var runner = new PipelineRunner<Note, Written>(extractor, new NoteTransformer(), target, ledger, NullLogger.Instance, TimeProvider.System);
        return await runner.RunAsync(
            new RunSettings { Job = job, Kind = Kind, Accounts = accounts, BatchSize = 4, Parallelism = 2, DryRun = dryRun },
            NullRunObserver.Instance,
            CancellationToken.None);
    }
}

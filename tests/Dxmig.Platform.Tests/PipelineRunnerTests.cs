using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Platform.Tests;

public sealed class PipelineRunnerTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly MemoryExtractor extractor = new();
    private readonly MemoryTarget target = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Run_AllItemsLoaded_AccountingBalancesAndLedgerAgrees()
    {
        Fill("alice", 25);
        Fill("bob", 7);

        var result = await RunAsync(["alice", "bob"]);

        result.ExitCode.Should().Be(ExitCodes.Success);
        result.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        result.Run.Seen.Should().Be(32);
        result.Run.Loaded.Should().Be(32);
        result.Accounts.Should().OnlyContain(a => a.Balances && a.Outcome == RunOutcome.Succeeded);
        target.Stored.Should().HaveCount(32);
        await using var ledger = await OpenLedgerAsync();
        (await ledger.ItemsInStateAsync("job", ItemState.Loaded, 100, default)).Should().HaveCount(32)
            .And.OnlyContain(i => i.TargetKey!.StartsWith("t/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_SecondRunWithNoChanges_LoadsNothing()
    {
        Fill("alice", 30);
        await RunAsync(["alice"]);
        var callsAfterFirst = target.Calls;

        var second = await RunAsync(["alice"]);

        second.Run.AlreadyDone.Should().Be(30);
        second.Run.Loaded.Should().Be(0);
        target.Calls.Should().Be(callsAfterFirst, "a run with nothing new calls the target not once");
        target.Stored.Should().HaveCount(30);
    }

    [Fact]
    public async Task Run_ChangedItem_IsLoadedAgainAndOthersAreNot()
    {
        Fill("alice", 5);
        await RunAsync(["alice"]);
        extractor.Accounts["alice"][2] = ("id2", "changed text", null);

        var second = await RunAsync(["alice"]);

        second.Run.Loaded.Should().Be(1);
        second.Run.AlreadyDone.Should().Be(4);
        target.Requests.Last().Item.Text.Should().Be("changed text");
    }

    [Fact]
    public async Task Run_ProblemsSkipsAndRefusals_EachEndInTheirBucketWithTheReason()
    {
        extractor.Add("alice", "a", "fine");
        extractor.Add("alice", "b", "unreadable", ItemProblem.Quarantine("bad-bytes", "不正なバイト", "bad bytes"));
        extractor.Add("alice", "c", "skip me");
        extractor.Add("alice", "d", "bad record");
        extractor.Add("alice", "e", "too large");
        extractor.Add("alice", "f", "empty", ItemProblem.Skip("empty-row", "空", "empty"));
        target.Refuse.Add("too large");

        var result = await RunAsync(["alice"]);

        result.ExitCode.Should().Be(ExitCodes.Quarantined);
        result.Run.Outcome.Should().Be(RunOutcome.CompletedWithQuarantine);
        (result.Run.Seen, result.Run.Loaded, result.Run.Skipped, result.Run.Quarantined).Should().Be((6L, 1L, 2L, 3L));
        await using var ledger = await OpenLedgerAsync();
        var quarantined = await ledger.ItemsInStateAsync("job", ItemState.Quarantined, 10, default);
        quarantined.Select(q => q.Code).Should().BeEquivalentTo(["bad-bytes", "test-bad", "too-big"]);
        quarantined.Should().OnlyContain(q => q.Message!.Contains(" / ", StringComparison.Ordinal), "every reason is given in Japanese and English");
        var skipped = await ledger.ItemsInStateAsync("job", ItemState.Skipped, 10, default);
        skipped.Select(s => s.Code).Should().BeEquivalentTo(["rule:test", "empty-row"]);
    }

    [Fact]
    public async Task Run_KilledAfterTargetWroteBeforeLedgerKnew_ResumesWithoutDuplicates()
    {
        Fill("alice", 50);
        target.DieAfterStoring = 20;

        var crashed = await RunAsync(["alice"], batchSize: 10);

        crashed.Run.Outcome.Should().Be(RunOutcome.Failed);
        target.Stored.Should().HaveCount(20, "the second batch reached the target before the crash");
        await using (var ledger = await OpenLedgerAsync())
        {
            (await ledger.ItemsInStateAsync("job", ItemState.Pending, 100, default)).Should().HaveCount(10, "the batch in flight is in doubt");
        }

        var resumed = await RunAsync(["alice"], batchSize: 10);

        resumed.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        resumed.Run.AlreadyDone.Should().Be(10);
        resumed.Run.Loaded.Should().Be(40);
        target.Stored.Should().HaveCount(50).And.OnlyHaveUniqueItems();
        target.Requests.Where(r => r.InDoubt).Select(r => r.Key.NativeId).Should().BeEquivalentTo(Enumerable.Range(10, 10).Select(i => $"id{i}"));
    }

    [Fact]
    public async Task Run_OneAccountFails_TheOthersComplete()
    {
        Fill("alice", 10);
        Fill("broken", 10);
        Fill("carol", 10);
        extractor.FailingAccounts.Add("broken");

        var result = await RunAsync(["alice", "broken", "carol"]);

        result.ExitCode.Should().Be(ExitCodes.Failed);
        result.Accounts.Single(a => a.Account == "broken").Outcome.Should().Be(RunOutcome.Failed);
        result.Accounts.Single(a => a.Account == "broken").Message.Should().Contain("テスト用の失敗").And.Contain("failure for the test");
        result.Accounts.Where(a => a.Account != "broken").Should().OnlyContain(a => a.Outcome == RunOutcome.Succeeded && a.Loaded == 10);
        target.Stored.Should().HaveCount(20);
    }

    [Fact]
    public async Task Run_LedgerLosesWrites_AccountFailsLoudly()
    {
        Fill("alice", 30);
        var ledgerPath = temp.File("ledger.db");
        target.OnCall = async call =>
        {
            if (call == 3)
            {
                // Someone (a restore, a bug) removes what the ledger recorded for this run.
                await using var connection = new SqliteConnection($"Data Source={ledgerPath}");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM ledger_items WHERE State = 'Loaded'";
                await command.ExecuteNonQueryAsync();
            }
        };

        var result = await RunAsync(["alice"], batchSize: 10);

        result.Run.Outcome.Should().Be(RunOutcome.Failed);
        result.Accounts[0].Message.Should().Contain("台帳と集計が一致しません").And.Contain("the ledger disagrees");
    }

    [Fact]
    public async Task Run_StopRequested_FinishesTheBatchInHandAndTheNextRunResumes()
    {
        Fill("alice", 100);
        using var stop = new CancellationTokenSource();
        target.OnCall = call =>
        {
            if (call == 2)
            {
                stop.Cancel();
            }

            return Task.CompletedTask;
        };

        var stopped = await RunAsync(["alice"], batchSize: 10, stop: stop.Token);

        stopped.Run.Outcome.Should().Be(RunOutcome.Stopped);
        stopped.ExitCode.Should().Be(ExitCodes.Failed);
        stopped.Accounts[0].Balances.Should().BeTrue();
        stopped.Run.Loaded.Should().Be(20, "the batch in hand when the stop came was finished and recorded");
        target.OnCall = null;

        var resumed = await RunAsync(["alice"], batchSize: 10);

        resumed.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        resumed.Run.AlreadyDone.Should().Be(20);
        resumed.Run.Loaded.Should().Be(80);
        target.Stored.Should().HaveCount(100).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Run_DryRun_WritesNothingToTargetOrItemLedger()
    {
        Fill("alice", 12);

        var result = await RunAsync(["alice"], dryRun: true);

        result.Run.Loaded.Should().Be(12, "a dry run counts what it would load");
        result.Run.DryRun.Should().BeTrue();
        target.Calls.Should().Be(0);
        await using var ledger = await OpenLedgerAsync();
        (await ledger.ItemsInStateAsync("job", ItemState.Loaded, 100, default)).Should().BeEmpty();
        (await ledger.ItemsInStateAsync("job", ItemState.Pending, 100, default)).Should().BeEmpty();
    }

    [Fact]
    public async Task Run_TransformerThrowsOnOneItem_ThatItemIsQuarantinedAndTheRunGoesOn()
    {
        extractor.Add("alice", "a", "one");
        extractor.Add("alice", "b", "boom");
        extractor.Add("alice", "c", "three");

        var result = await RunAsync(["alice"]);

        result.Run.Loaded.Should().Be(2);
        result.Run.Quarantined.Should().Be(1);
        await using var ledger = await OpenLedgerAsync();
        var item = (await ledger.ItemsInStateAsync("job", ItemState.Quarantined, 10, default)).Single();
        item.Code.Should().Be("transform-error");
        item.Message.Should().Contain("FormatException").And.Contain("transformer bug");
    }

    [Fact]
    public async Task Run_CheckpointSavedByExtractor_IsStoredAfterItsItems()
    {
        Fill("alice", 15);
        extractor.CheckpointsToSave.Add(new Checkpoint("box", 77, 15, 900, null));

        await RunAsync(["alice"], batchSize: 4);

        await using var ledger = await OpenLedgerAsync();
        var checkpoint = await ledger.GetCheckpointAsync("job", "alice", "box", default);
        checkpoint.Should().Be(new Checkpoint("box", 77, 15, 900, null));
    }

    [Fact]
    public async Task Run_CheckpointOfAFailedAccount_IsNotSaved()
    {
        Fill("alice", 30);
        extractor.CheckpointsToSave.Add(new Checkpoint("box", 1, 30, null, null));
        target.DieAfterStoring = 5;

        await RunAsync(["alice"], batchSize: 5);

        await using var ledger = await OpenLedgerAsync();
        (await ledger.GetCheckpointAsync("job", "alice", "box", default)).Should().BeNull("items after the failure were never loaded");
    }

    [Fact]
    public async Task BeginRun_WhileAnotherLiveRunHoldsTheJob_IsRefused()
    {
        await using var ledger = await OpenLedgerAsync();
        await ledger.BeginRunAsync("job", dryRun: false, default);

        var second = () => ledger.BeginRunAsync("job", dryRun: false, default);

        (await second.Should().ThrowAsync<JobBusyException>()).Which.Message.Should().Contain("実行中").And.Contain("is being run by");
    }

    [Fact]
    public async Task BeginRun_AfterAProcessDied_MarksItsRunInterruptedAndTakesOver()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var ledger = await JobLedger.OpenAsync(StoreLocation.Parse(temp.File("ledger.db"), temp.Path), time, default);
        var dead = await ledger.BeginRunAsync("job", dryRun: false, default);
        time.Advance(JobLedger.LeaseTimeout + TimeSpan.FromSeconds(1));

        var next = await ledger.BeginRunAsync("job", dryRun: false, default);

        var runs = await ledger.RecentRunsAsync("job", 5, default);
        runs.Single(r => r.RunId == dead.RunId).Outcome.Should().Be(RunOutcome.Interrupted);
        runs.Single(r => r.RunId == next.RunId).Outcome.Should().Be(RunOutcome.Running);
    }

    private void Fill(string account, int count)
    {
        for (var i = 0; i < count; i++)
        {
            extractor.Add(account, $"id{i}", $"message {i} of {account}");
        }
    }

    private Task<JobLedger> OpenLedgerAsync() =>
        JobLedger.OpenAsync(StoreLocation.Parse(temp.File("ledger.db"), temp.Path), TimeProvider.System, default);

    private async Task<RunResult> RunAsync(IReadOnlyList<string> accounts, int batchSize = 8, bool dryRun = false, CancellationToken stop = default)
    {
        await using var ledger = await OpenLedgerAsync();
        var runner = new PipelineRunner<Note, Written>(extractor, new NoteTransformer(), target, ledger, NullLogger.Instance, TimeProvider.System);
        return await runner.RunAsync(
            // A long linger: these tests count batches, so each batch must fill (the fake source is never slow on purpose).
            new RunSettings { Job = "job", Accounts = accounts, BatchSize = batchSize, Parallelism = 2, ChannelCapacity = 16, DryRun = dryRun, BatchLinger = TimeSpan.FromSeconds(5) },
            NullRunObserver.Instance,
            stop);
    }
}

public sealed class PipelineRunnerSyncTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly SyncExtractor extractor = new();
    private readonly MemoryTarget target = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Run_ChangedItem_GetsThePreviousTargetKey()
    {
        extractor.Items.Add(("a", "v1"));
        await RunAsync();
        extractor.Items[0] = ("a", "v2");

        await RunAsync();

        target.Requests.Should().HaveCount(2);
        target.Requests[1].PreviousTargetKey.Should().Be("t/0");
        target.Requests[0].PreviousTargetKey.Should().BeNull();
    }

    [Fact]
    public async Task Run_RemovalOfALoadedItem_IsCountedRemovedAndNotRepeated()
    {
        extractor.Items.Add(("a", "v1"));
        extractor.Items.Add(("b", "v1"));
        await RunAsync();
        extractor.Items.RemoveAt(0);
        extractor.Removals.Add("a");

        var removing = await RunAsync();
        var again = await RunAsync();

        removing.Run.Removed.Should().Be(1);
        removing.Accounts[0].Balances.Should().BeTrue();
        target.Requests.Should().ContainSingle(r => r.Removal).Which.PreviousTargetKey.Should().Be("t/0");
        again.Run.Removed.Should().Be(0);
        again.Run.AlreadyDone.Should().Be(2, "b is unchanged and a's removal is already done");
        await using var ledger = await JobLedger.OpenAsync(StoreLocation.Parse(temp.File("l.db"), temp.Path), TimeProvider.System, default);
        (await ledger.ItemsInStateAsync("job", ItemState.Removed, 10, default)).Should().ContainSingle().Which.NativeId.Should().Be("a");
    }

    [Fact]
    public async Task Run_ItemTheExtractorDoubts_ReachesTheLoaderInDoubt()
    {
        extractor.Items.Add(("a", "v1"));
        extractor.Doubtful.Add("a");

        await RunAsync();

        target.Requests.Should().ContainSingle().Which.InDoubt.Should().BeTrue();
    }

    [Fact]
    public async Task Run_WarningFromTheExtractor_EndsNeedingAttention()
    {
        extractor.Items.Add(("a", "v1"));
        extractor.Warning = "大量削除を拒否";

        var result = await RunAsync();

        result.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings);
        result.ExitCode.Should().Be(ExitCodes.Quarantined);
        result.Accounts[0].Warnings.Should().ContainSingle().Which.Should().Contain("大量削除を拒否");
    }

    [Fact]
    public async Task Run_DisposablePayloads_AreDisposedOnceTheirBatchIsDone()
    {
        for (var i = 0; i < 30; i++)
        {
            extractor.Items.Add(($"m{i}", "v"));
        }

        await RunAsync();

        extractor.Created.Should().HaveCount(30).And.OnlyContain(p => p.Disposed);
    }

    [Fact]
    public async Task Extractor_SeesWhatTheLedgerKnows()
    {
        extractor.Items.Add(("a", "v1"));
        await RunAsync();

        await RunAsync();

        extractor.LastKnown.Should().ContainKey("a");
        extractor.LastKnown["a"].State.Should().Be("Loaded");
        extractor.LastListed.Should().Equal("a");
    }

    private async Task<RunResult> RunAsync()
    {
        await using var ledger = await JobLedger.OpenAsync(StoreLocation.Parse(temp.File("l.db"), temp.Path), TimeProvider.System, default);
        var runner = new PipelineRunner<Note, Written>(extractor, new NoteTransformer(), target, ledger, NullLogger.Instance, TimeProvider.System);
        return await runner.RunAsync(new RunSettings { Job = "job", Accounts = ["alice"], BatchSize = 8 }, NullRunObserver.Instance, default);
    }

    private sealed class SyncExtractor : IExtractor<Note>
    {
        public List<(string Id, string Version)> Items { get; } = [];

        public HashSet<string> Removals { get; } = [];

        public HashSet<string> Doubtful { get; } = [];

        public string? Warning { get; set; }

        public List<DisposableNote> Created { get; } = [];

        public IReadOnlyDictionary<string, KnownItem> LastKnown { get; private set; } = new Dictionary<string, KnownItem>();

        public List<string> LastListed { get; } = [];

        public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) => ValueTask.FromResult<SourceEstimate?>(null);

        public async IAsyncEnumerable<SourceItem<Note>> ExtractAsync(string account, ExtractContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            LastKnown = await context.Known.LookupAsync("box", Items.Select(i => i.Id).ToList(), cancellationToken);
            LastListed.Clear();
            await foreach (var known in context.Known.ListLoadedAsync("box", cancellationToken))
            {
                LastListed.Add(known.NativeId);
            }

            if (Warning is not null)
            {
                context.Warn(Warning, "warning");
            }

            foreach (var (id, version) in Items)
            {
                var payload = new DisposableNote($"{id} {version}");
                Created.Add(payload);
                var hash = Contracts.Text.ContentHash.OfFields([id, version]);
                yield return SourceItem<Note>.Ok(new SourceKey("s", account, "box", id, version), hash, 1, id, payload) with { InDoubt = Doubtful.Contains(id) };
            }

            foreach (var id in Removals)
            {
                yield return SourceItem<Note>.Ok(new SourceKey("s", account, "box", id, "gone"), "removed", 0, id, new Note("removed " + id)) with { Removal = true };
            }
        }
    }
}

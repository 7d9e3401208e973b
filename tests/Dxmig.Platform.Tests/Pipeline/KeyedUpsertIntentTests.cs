using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Platform.Tests.Pipeline;

/// <summary>
/// A loader that upserts by the source key (the platform store's) on a SQLite ledger: the runner records no intent
/// before its batches, and a crash at any step between the target's commit and the ledger's still ends, after the
/// next run, with every item once in the target and loaded in the ledger.
/// </summary>
public sealed class KeyedUpsertIntentTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly MemoryExtractor extractor = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Run_KeyedUpsertLoader_KilledAfterTargetCommittedBeforeLedgerKnew_ResumesWithoutLossOrDuplicate()
    {
        Fill("alice", 50);
        var target = new KeyedTarget { DieAfterCommitOfCall = 2 };

        var crashed = await RunAsync(target, ["alice"]);

        crashed.Run.Outcome.Should().Be(RunOutcome.Failed);
        target.Rows.Should().HaveCount(20, "the second batch reached the target before the crash");
        await using (var ledger = await OpenLedgerAsync())
        {
            (await ledger.ItemsInStateAsync("job", ItemState.Loaded, 100, default)).Should().HaveCount(10, "only the first batch was confirmed");
            (await ledger.ItemsInStateAsync("job", ItemState.Pending, 100, default)).Should().BeEmpty("no intent is written for a keyed upsert");
        }

        var resumed = await RunAsync(target, ["alice"]);

        resumed.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        (resumed.Run.AlreadyDone, resumed.Run.Loaded).Should().Be((10L, 40L), "the unconfirmed batch is written again as the same rows");
        target.Rows.Should().HaveCount(50);
        target.Rows.Keys.Should().BeEquivalentTo(Enumerable.Range(0, 50).Select(i => ("alice", $"id{i}")));
        target.Writes.Should().Be(60, "50 items, of which the 10 the ledger never confirmed were written twice onto their own rows");
        await using (var ledger = await OpenLedgerAsync())
        {
            var loaded = await ledger.ItemsInStateAsync("job", ItemState.Loaded, 100, default);
            loaded.Select(i => i.NativeId).Should().BeEquivalentTo(Enumerable.Range(0, 50).Select(i => $"id{i}"));
            loaded.Select(i => i.TargetKey).Should().OnlyHaveUniqueItems();
        }

        var third = await RunAsync(target, ["alice"]);
        (third.Run.AlreadyDone, third.Run.Loaded).Should().Be((50L, 0L));
    }

    [Fact]
    public async Task Run_KeyedUpsertLoader_KilledBeforeTargetCommitted_ResumesWithoutLoss()
    {
        Fill("alice", 30);
        var target = new KeyedTarget { DieBeforeCommitOfCall = 2 };

        var crashed = await RunAsync(target, ["alice"]);

        crashed.Run.Outcome.Should().Be(RunOutcome.Failed);
        target.Rows.Should().HaveCount(10, "the second batch was rolled back");

        var resumed = await RunAsync(target, ["alice"]);

        (resumed.Run.AlreadyDone, resumed.Run.Loaded).Should().Be((10L, 20L));
        target.Rows.Should().HaveCount(30);
    }

    [Fact]
    public async Task Run_OnSqlite_KeyedUpsertLoaderGetsNoIntentWhileAnyOtherLoaderDoes()
    {
        Fill("alice", 10);
        var pendingSeenByKeyed = -1;
        var keyed = new KeyedTarget();
        keyed.OnCall = async () => pendingSeenByKeyed = await PendingAsync();
        await RunAsync(keyed, ["alice"]);

        Fill("bob", 10);
        var pendingSeenByOther = -1;
        var other = new MemoryTarget { OnCall = async _ => pendingSeenByOther = await PendingAsync() };
        await RunAsync(other, ["bob"]);

        pendingSeenByKeyed.Should().Be(0, "a keyed upsert is confirmed after its write, with no intent before it");
        pendingSeenByOther.Should().Be(10, "a loader that could double an item still gets its intent first");
    }

    private async Task<int> PendingAsync()
    {
        await using var ledger = await OpenLedgerAsync();
        return (await ledger.ItemsInStateAsync("job", ItemState.Pending, 100, default)).Count;
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

    private async Task<RunResult> RunAsync(ILoader<Written> target, IReadOnlyList<string> accounts)
    {
        await using var ledger = await OpenLedgerAsync();
        var runner = new PipelineRunner<Note, Written>(extractor, new NoteTransformer(), target, ledger, NullLogger.Instance, TimeProvider.System);
        return await runner.RunAsync(
            new RunSettings { Job = "job", Accounts = accounts, BatchSize = 10, Parallelism = 1, ChannelCapacity = 16, BatchLinger = TimeSpan.FromSeconds(5) },
            NullRunObserver.Instance,
            default);
    }

    /// <summary>
    /// A table keyed by (account, source id): a batch is one transaction that upserts each row, so writing an item twice
    /// leaves one row. It can die before its commit (nothing lands) or after it (the rows land, the answer is lost).
    /// </summary>
    private sealed class KeyedTarget : ILoader<Written>, IKeyedUpsertLoader
    {
        private readonly Lock gate = new();
        private int calls;

        public bool UpsertsByKey => true;

        public Dictionary<(string Account, string SourceId), (long Id, string Text)> Rows { get; } = [];

        public int Writes { get; private set; }

        public int? DieAfterCommitOfCall { get; set; }

        public int? DieBeforeCommitOfCall { get; set; }

        public Func<Task>? OnCall { get; set; }

        public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<Written>> batch, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref calls);
            if (OnCall is not null)
            {
                await OnCall();
            }

            if (call == DieBeforeCommitOfCall)
            {
                DieBeforeCommitOfCall = null;
                throw new IOException("killed before the target committed");
            }

            var outcomes = new List<LoadOutcome>();
            lock (gate)
            {
                foreach (var request in batch)
                {
                    var key = (account, request.Item.SourceId);
                    var id = Rows.TryGetValue(key, out var row) ? row.Id : Rows.Count + 1;
                    Rows[key] = (id, request.Item.Text);
                    Writes++;
                    outcomes.Add(LoadOutcome.Loaded($"rows/{id}"));
                }
            }

            if (call == DieAfterCommitOfCall)
            {
                DieAfterCommitOfCall = null;
                throw new IOException("killed after the target committed, before the ledger knew");
            }

            return outcomes;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

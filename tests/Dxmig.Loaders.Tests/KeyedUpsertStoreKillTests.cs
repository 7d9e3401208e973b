using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Loaders.Tests;

/// <summary>
/// The platform store's schedule loader (a <see cref="PlatformUpsertLoader{TRecord, TStaging, TEntity, TContext}"/>, as
/// staff, reservations and documents) run by the pipeline on a SQLite ledger and SQLite store, the process "killed"
/// right after the store committed a batch and before the ledger heard of it, during the first load (batches copied
/// straight into the empty table). No intent is written before its batches (<see cref="IKeyedUpsertLoader"/>), so the
/// ledger does not know that batch at all; the resumed run, in a new loader (a new process) or the same one, must write
/// it again onto the same rows: every schedule once in the store, loaded once in the ledger with its own target key.
/// </summary>
public sealed class KeyedUpsertStoreKillTests : IDisposable
{
    private const int Count = 60;
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Schedules_KilledAfterStoreCommittedBeforeLedgerKnew_ResumeLeavesOneRowPerKey(bool newProcess)
    {
        var store = StoreLocation.Parse(temp.File("platform.db"), temp.Path);
        await using var first = await PlatformScheduleLoader.OpenAsync(store, TimeProvider.System, default);
        var dying = new DiesAfterCommit(first, dieOnCall: 3);

        var crashed = await RunAsync(dying);

        crashed.Run.Outcome.Should().Be(RunOutcome.Failed);
        first.FirstLoad.Should().BeTrue("the batches went straight into the empty table");
        (await SchedulesAsync(store)).Should().HaveCount(30, "three batches reached the store before the kill");
        await using (var ledger = await OpenLedgerAsync())
        {
            (await ledger.ItemsInStateAsync("job", ItemState.Loaded, 1000, default)).Should().HaveCount(20, "the third batch's answer was lost");
            (await ledger.ItemsInStateAsync("job", ItemState.Pending, 1000, default)).Should().BeEmpty("no intent is written before a keyed upsert on SQLite");
        }

        await using var second = newProcess ? await PlatformScheduleLoader.OpenAsync(store, TimeProvider.System, default) : null;
        var resumed = await RunAsync(second ?? (ILoader<ScheduleRecord>)dying.Healed());

        resumed.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        (resumed.Run.AlreadyDone, resumed.Run.Loaded).Should().Be((20L, 40L), "the unconfirmed batch is written again");
        (second ?? first).FirstLoad.Should().BeFalse("the batch sent again met its keys and was upserted");
        var rows = await SchedulesAsync(store);
        rows.Should().BeEquivalentTo(Enumerable.Range(0, Count).Select(i => $"S{i}"), "nothing lost, nothing doubled");
        await using (var ledger = await OpenLedgerAsync())
        {
            (await ledger.ItemsInStateAsync("job", ItemState.Pending, 1000, default)).Should().BeEmpty();
            var loaded = await ledger.ItemsInStateAsync("job", ItemState.Loaded, 1000, default);
            loaded.Select(i => (i.NativeId, i.TargetKey)).Should().BeEquivalentTo(rows.Select(id => (id, (string?)("schedule/" + id))));
        }

        var third = await RunAsync(second ?? (ILoader<ScheduleRecord>)dying);
        (third.Run.AlreadyDone, third.Run.Loaded).Should().Be(((long)Count, 0L));
    }

    private static async Task<List<string>> SchedulesAsync(StoreLocation store)
    {
        await using var db = new CalendarDbContext(StoreContextFactory.CreateOptions<CalendarDbContext>(store));
        return await db.Schedules.Select(s => s.ScheduleId).ToListAsync();
    }

    private Task<JobLedger> OpenLedgerAsync() =>
        JobLedger.OpenAsync(StoreLocation.Parse(temp.File("ledger.db"), temp.Path), TimeProvider.System, default);

    private async Task<RunResult> RunAsync(ILoader<ScheduleRecord> loader)
    {
        await using var ledger = await OpenLedgerAsync();
        var runner = new PipelineRunner<ScheduleRecord, ScheduleRecord>(new Schedules(), new Same(), loader, ledger, NullLogger.Instance, TimeProvider.System);
        return await runner.RunAsync(
            new RunSettings { Job = "job", Accounts = ["cess"], BatchSize = 10, Parallelism = 1, ChannelCapacity = 16, BatchLinger = TimeSpan.FromSeconds(5) },
            NullRunObserver.Instance,
            default);
    }

    private static ScheduleRecord Schedule(int i) => new()
    {
        ScheduleId = $"S{i}",
        OwnerId = "H000001",
        OwnerUpn = "tanaka@pref.example.jp",
        Calendars = ["tanaka@pref.example.jp"],
        Appointment = new CalendarEvent { Subject = $"定例会議 {i}", Start = new DateTime(2024, 4, 1, 9, 0, 0), End = new DateTime(2024, 4, 1, 10, 0, 0) },
        ContentHash = $"h{i}",
        SourceLocation = $"schedules.csv:{i + 2}",
        Original = new ScheduleEntry { File = "schedules.csv", Line = i + 2 },
    };

    private sealed class Schedules : IExtractor<ScheduleRecord>
    {
        public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
            ValueTask.FromResult<SourceEstimate?>(new SourceEstimate(Count, 0));

        public async IAsyncEnumerable<SourceItem<ScheduleRecord>> ExtractAsync(
            string account, ExtractContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            for (var i = 0; i < Count; i++)
            {
                var schedule = Schedule(i);
                yield return new SourceItem<ScheduleRecord>(
                    new SourceKey("cess-schedules", account, "schedules", schedule.ScheduleId, schedule.ContentHash), schedule.ContentHash, 0, schedule.SourceLocation, schedule, null);
            }
        }
    }

    private sealed class Same : ITransformer<ScheduleRecord, ScheduleRecord>
    {
        public TransformResult<ScheduleRecord> Transform(SourceItem<ScheduleRecord> item) => TransformResult<ScheduleRecord>.Load(item.Payload!);
    }

    /// <summary>The real loader, whose answer to one call is lost as if the process died right after the store's commit.</summary>
    private sealed class DiesAfterCommit(PlatformScheduleLoader inner, int dieOnCall) : ILoader<ScheduleRecord>, IKeyedUpsertLoader
    {
        private int calls;
        private bool healed;

        public bool UpsertsByKey => inner.UpsertsByKey;

        public DiesAfterCommit Healed()
        {
            healed = true;
            return this;
        }

        public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<ScheduleRecord>> batch, CancellationToken cancellationToken)
        {
            var outcomes = await inner.LoadAsync(account, batch, cancellationToken);
            if (!healed && ++calls == dieOnCall)
            {
                throw new IOException("killed after the store's commit (test)");
            }

            return outcomes;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

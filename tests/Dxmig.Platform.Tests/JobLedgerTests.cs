using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Tests;

/// <summary>The same ledger behaviour on both engines.</summary>
public abstract class JobLedgerTests
{
    protected abstract Task<StoreLocation> NewStoreAsync();

    [Fact]
    public async Task WriteItems_ThenLookup_ReturnsStateHashAndTargetKey()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);
        var run = await ledger.BeginRunAsync("job", false, default);
        var key = new SourceKey("imap", "tanaka", "受信トレイ", "42", "1700000000");
        await ledger.WriteItemsAsync("job", run.RunId, "tanaka", [new ItemWrite(key, "h1", 10, ItemState.Pending, null, null, "INBOX UID 42", null)], default);
        await ledger.WriteItemsAsync("job", run.RunId, "tanaka", [new ItemWrite(key, "h1", 10, ItemState.Loaded, null, null, "INBOX UID 42", "t/1")], default);

        var found = await ledger.LookupAsync("job", "tanaka", [key.Ref, new ItemRef("受信トレイ", "43")], default);

        found.Should().ContainSingle();
        var item = found[key.Ref];
        (item.State, item.ContentHash, item.TargetKey, item.Attempts, item.FirstRunId).Should().Be((ItemState.Loaded, "h1", "t/1", 1, run.RunId));
        (await ledger.LookupAsync("job", "other-account", [key.Ref], default)).Should().BeEmpty();
        (await ledger.LookupAsync("other-job", "tanaka", [key.Ref], default)).Should().BeEmpty();
    }

    [Fact]
    public async Task WriteItems_BatchesOfMany_KeepTheBatchOrderAndThePerItemRule()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);
        var first = await ledger.BeginRunAsync("job", false, default);
        var keys = Enumerable.Range(0, 300).Select(i => new SourceKey("cess", "cess", "schedules", $"Y{(i * 7919) % 1000:0000}", $"v{i}")).ToList();

        // Intent, then the outcome: most loaded, every tenth quarantined with its code and words, the last one's location unknown.
        await ledger.WriteItemsAsync("job", first.RunId, "cess",
            [.. keys.Select((k, i) => new ItemWrite(k, $"h{i}", i, ItemState.Pending, null, null, i == 299 ? null : $"schedules.csv:{i + 2}", null))], default);
        await ledger.WriteItemsAsync("job", first.RunId, "cess",
            [.. keys.Select((k, i) => i % 10 == 0
                ? new ItemWrite(k, $"h{i}", i, ItemState.Quarantined, "bad-date", "日付が読めません / unreadable date", $"schedules.csv:{i + 2}", null)
                : new ItemWrite(k, $"h{i}", i, ItemState.Loaded, null, null, i == 299 ? null : $"schedules.csv:{i + 2}", $"schedule/{k.NativeId}"))], default);

        // A second run retries the first 20 (intent only, as after a kill): the target key stays, attempts add up.
        first.Outcome = RunOutcome.Succeeded;
        await ledger.CompleteRunAsync(first, default);
        var second = await ledger.BeginRunAsync("job", false, default);
        await ledger.WriteItemsAsync("job", second.RunId, "cess",
            [.. keys.Take(20).Select((k, i) => new ItemWrite(k, $"h{i}b", i, ItemState.Pending, null, null, $"schedules.csv:{i + 2}", null))], default);

        var items = await ledger.AccountItemsAsync("job", "cess", default);
        items.Select(x => x.NativeId).Should().Equal(keys.Select(k => k.NativeId), "ids follow the first batch's order");
        for (var i = 0; i < keys.Count; i++)
        {
            var x = items[i];
            var retried = i < 20;
            (x.Job, x.System, x.Account, x.Container, x.Version, x.Size).Should().Be(("job", "cess", "cess", "schedules", $"v{i}", (long)i));
            x.ContentHash.Should().Be(retried ? $"h{i}b" : $"h{i}");
            x.State.Should().Be(retried ? ItemState.Pending : i % 10 == 0 ? ItemState.Quarantined : ItemState.Loaded);
            (x.Code, x.Message).Should().Be(!retried && i % 10 == 0 ? ("bad-date", "日付が読めません / unreadable date") : (null, null));
            x.Location.Should().Be(i == 299 ? null : $"schedules.csv:{i + 2}");
            x.TargetKey.Should().Be(i % 10 == 0 ? null : $"schedule/{keys[i].NativeId}", "a pending write keeps the target key already known");
            x.Attempts.Should().Be(retried ? 2 : 1);
            (x.FirstRunId, x.LastRunId).Should().Be((first.RunId, retried ? second.RunId : first.RunId));
        }
    }

    [Fact]
    public async Task WriteItems_OneItemTwiceInABatch_TheLastWriteWinsAndAttemptsAddUp()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);
        var run = await ledger.BeginRunAsync("job", false, default);
        var (a, b) = (new SourceKey("cess", "cess", "schedules", "Y1", "v1"), new SourceKey("cess", "cess", "schedules", "Y2", "v1"));

        await ledger.WriteItemsAsync("job", run.RunId, "cess",
        [
            new ItemWrite(a, "h1", 1, ItemState.Pending, null, null, "l1", null),
            new ItemWrite(b, "h2", 2, ItemState.Pending, null, null, "l2", null),
            new ItemWrite(a, "h1", 1, ItemState.Loaded, null, null, "l1", "schedule/Y1"),
            new ItemWrite(a, "h1", 1, ItemState.Pending, null, null, "l1", null),
        ], default);

        var items = await ledger.AccountItemsAsync("job", "cess", default);
        items.Select(x => (x.NativeId, x.State, x.TargetKey, x.Attempts)).Should().Equal(
            ("Y1", ItemState.Pending, "schedule/Y1", 2), ("Y2", ItemState.Pending, (string?)null, 1));
    }

    [Fact]
    public async Task AccountsWithLoaded_ListsEachAccountHoldingLoadedItemsOfTheContainer_Once()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);
        var run = await ledger.BeginRunAsync("job", false, default);
        ItemWrite Write(string account, string container, string id, ItemState state) =>
            new(new SourceKey("ab", account, container, id, "v"), "h", 1, state, null, null, id, state == ItemState.Loaded ? "t/" + id : null);
        await ledger.WriteItemsAsync("job", run.RunId, "suzuki", [Write("suzuki", "addressbook", "a", ItemState.Loaded), Write("suzuki", "addressbook", "b", ItemState.Loaded)], default);
        await ledger.WriteItemsAsync("job", run.RunId, "tanaka", [Write("tanaka", "addressbook", "a", ItemState.Removed)], default);
        await ledger.WriteItemsAsync("job", run.RunId, "sato", [Write("sato", "other", "a", ItemState.Loaded)], default);
        await ledger.WriteItemsAsync("job", run.RunId, "abe", [Write("abe", "addressbook", "a", ItemState.Loaded)], default);

        (await ledger.AccountsWithLoadedAsync("job", "addressbook", default)).Should().Equal("abe", "suzuki");
        (await ledger.AccountsWithLoadedAsync("other-job", "addressbook", default)).Should().BeEmpty();
    }

    [Fact]
    public async Task Checkpoint_RoundTrips_AndIsReplaced()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);

        await ledger.SaveCheckpointAsync("job", "tanaka", new Checkpoint("送信済み", 5, 100, 12345678901, null), default);
        await ledger.SaveCheckpointAsync("job", "tanaka", new Checkpoint("送信済み", 5, 180, 12345679999, "c"), default);

        (await ledger.GetCheckpointAsync("job", "tanaka", "送信済み", default)).Should().Be(new Checkpoint("送信済み", 5, 180, 12345679999, "c"));
        (await ledger.GetCheckpointAsync("job", "tanaka", "INBOX", default)).Should().BeNull();
    }

    [Fact]
    public async Task CompleteRun_ReleasesTheLeaseSoTheNextRunStarts()
    {
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), TimeProvider.System, default);
        var first = await ledger.BeginRunAsync("job", false, default);
        first.Outcome = RunOutcome.Succeeded;
        await ledger.CompleteRunAsync(first, default);

        var second = await ledger.BeginRunAsync("job", false, default);

        var runs = await ledger.RecentRunsAsync("job", 10, default);
        runs.Select(r => r.RunId).Should().BeEquivalentTo([first.RunId, second.RunId]);
        runs.Single(r => r.RunId == first.RunId).Outcome.Should().Be(RunOutcome.Succeeded);
    }

    [Fact]
    public async Task Prune_RemovesOldRunsAndOldRemovedItems_KeepsTheNewestTheFirstTheOpenAndEveryLiveItem()
    {
        var day0 = new DateTimeOffset(2027, 1, 4, 15, 0, 0, TimeSpan.Zero);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(day0);
        await using var ledger = await JobLedger.OpenAsync(await NewStoreAsync(), clock, default);
        var runs = new List<LedgerRun>();
        for (var day = 0; day <= 10; day++)
        {
            clock.SetUtcNow(day0.AddDays(day));
            var run = await ledger.BeginRunAsync("job", false, default);
            runs.Add(run);
            await ledger.RecordAccountAsync(new LedgerRunAccount { RunId = run.RunId, Account = "tanaka", Outcome = RunOutcome.Succeeded }, default);
            var key = new SourceKey("csv", "tanaka", "staff", $"row{day}", "1");
            var state = day switch { 2 or 9 => ItemState.Removed, 1 => ItemState.Quarantined, _ => ItemState.Loaded };
            await ledger.WriteItemsAsync("job", run.RunId, "tanaka", [new ItemWrite(key, "h", 10, state, null, null, null, $"t/{day}")], default);
            if (day < 10)
            {
                run.Outcome = RunOutcome.Succeeded;
                run.EndedUtc = clock.GetUtcNow().UtcDateTime;
                await ledger.CompleteRunAsync(run, default);
            }
        }

        clock.SetUtcNow(day0.AddDays(11));
        var other = await ledger.BeginRunAsync("other", false, default);
        other.Outcome = RunOutcome.Succeeded;
        await ledger.CompleteRunAsync(other, default);

        var result = await ledger.PruneAsync("job", day0.AddDays(8).UtcDateTime, keepRuns: 3, day0.AddDays(5).UtcDateTime, default);

        // Kept: the open run (day 10), the newest three (days 8-10), the first (day 0); days 1-7 go. Only the row removed
        // on day 2 is old enough; the removal of day 9, the quarantined and the loaded rows stay.
        result.Should().Be(new LedgerPruneResult(7, 7, 1));
        (await ledger.RecentRunsAsync("job", 100, default)).Select(r => r.RunId)
            .Should().BeEquivalentTo([runs[10].RunId, runs[9].RunId, runs[8].RunId, runs[0].RunId]);
        (await ledger.RunAccountsAsync(runs[1].RunId, default)).Should().BeEmpty();
        (await ledger.RunAccountsAsync(runs[8].RunId, default)).Should().ContainSingle();
        (await ledger.RecentRunsAsync("other", 10, default)).Should().ContainSingle();
        var items = await ledger.AccountItemsAsync("job", "tanaka", default);
        items.Select(i => i.NativeId).Should().BeEquivalentTo(Enumerable.Range(0, 11).Where(d => d != 2).Select(d => $"row{d}"));

        var size = await ledger.SizeAsync("job", default);
        size.Items.Should().Be(10);
        size.ItemsByState[ItemState.Removed].Should().Be(1);
        size.ItemsByState[ItemState.Quarantined].Should().Be(1);
        (size.Runs, size.RunAccounts).Should().Be((4, 4));
        size.OldestRunUtc.Should().Be(day0.UtcDateTime);
        size.PayloadPerItem.Should().BeInRange(60, 400, "a row holds its key, hash, state, target key and run ids");
        size.StorePerItem.Should().NotBeNull().And.BeGreaterThan(0);
    }

    [Fact]
    public async Task Open_DatabaseFromAnotherSchemaVersion_IsRefused()
    {
        var store = await NewStoreAsync();
        await using (await JobLedger.OpenAsync(store, TimeProvider.System, default))
        {
        }

        await using (var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(store)))
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE dxmig_schema SET version = 99 WHERE component = 'ledger'");
        }

        var open = () => JobLedger.OpenAsync(store, TimeProvider.System, default);

        (await open.Should().ThrowAsync<StoreSchemaException>()).Which.Message.Should().Contain("99").And.Contain($"this dxmig uses {LedgerDbContext.SchemaVersion}");
    }
}

public sealed class SqliteJobLedgerTests : JobLedgerTests, IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    protected override Task<StoreLocation> NewStoreAsync() =>
        Task.FromResult(StoreLocation.Parse($"ledger-{Guid.NewGuid():N}.db", temp.Path));
}

[Collection(PostgresGroup.Name)]
public sealed class PostgresJobLedgerTests(PostgresFixture postgres) : JobLedgerTests
{
    protected override async Task<StoreLocation> NewStoreAsync() =>
        StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
}

[CollectionDefinition(Name)]
public sealed class PostgresGroup : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

public sealed class StoreLocationTests
{
    [Fact]
    public void Parse_PostgresWithInlinePassword_IsRefused()
    {
        var act = () => StoreLocation.Parse("Host=db1;Database=dxmig;Username=u;Password=hunter2", "/");

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("password-env").And.NotContain("hunter2");
    }

    [Fact]
    public void Parse_PostgresWithReferencedPassword_ShowsNoPassword()
    {
        var location = StoreLocation.Parse("postgresql://dxmig@db1:5433/platform", "/", password: "hunter2");

        location.Provider.Should().Be(StoreProvider.PostgreSql);
        location.ToString().Should().Be("PostgreSQL db1:5433/platform");
        location.ConnectionString.Should().Contain("Password=hunter2");
    }

    [Fact]
    public void Parse_RelativeSqlitePath_IsResolvedAgainstTheBase()
    {
        StoreLocation.Parse("state/ledger.db", "/srv/dxmig/jobs").Display.Should().Be("/srv/dxmig/jobs/state/ledger.db");
    }
}

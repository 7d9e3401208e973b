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

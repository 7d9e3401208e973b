using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Loaders.Tests;

public abstract class PlatformContactsLoaderTests
{
    protected abstract Task<StoreLocation> NewStoreAsync();

    [Fact]
    public async Task Load_SameItemsTwice_UpdatesOneRowPerContact()
    {
        var store = await NewStoreAsync();
        await using var loader = await PlatformContactsLoader.OpenAsync(store, TimeProvider.System, default);
        var batch = Enumerable.Range(0, 5).Select(i => Request($"id{i}", $"名前{i}", inDoubt: false)).ToList();

        var first = await loader.LoadAsync("tanaka", batch, default);
        var again = await loader.LoadAsync("tanaka", [.. batch.Select(r => r with { InDoubt = true, Item = r.Item with { DisplayName = "更新 ①㈱髙" } })], default);

        first.Select(o => o.TargetKey).Should().Equal(again.Select(o => o.TargetKey));
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(store));
        (await db.Contacts.CountAsync()).Should().Be(5);
        (await db.Contacts.Select(c => c.DisplayName).Distinct().ToListAsync()).Should().Equal("更新 ①㈱髙");
    }

    [Fact]
    public async Task Load_KeepsOriginalTextAndNormalisedForms()
    {
        var store = await NewStoreAsync();
        await using var loader = await PlatformContactsLoader.OpenAsync(store, TimeProvider.System, default);
        var request = Request("x", "\uE000橋　一郎", false);

        var outcome = (await loader.LoadAsync("tanaka", [request], default)).Single();

        outcome.TargetKey.Should().StartWith("contacts/");
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(store));
        var row = await db.Contacts.SingleAsync();
        (row.Name, row.Kana, row.KanaNormalized, row.Phone1, row.Phone1E164, row.Memo, row.Gaiji)
            .Should().Be(("\uE000橋　一郎", "ﾀｶﾊｼ", "たかはし", "０３-1234-5678", "+81312345678", "①㈱髙～\r\n二行目", "U+E000"));
        row.OwnerTarget.Should().Be("kenta@pref.example.jp");
    }

    [Fact]
    public async Task Open_TwiceOnTheSameDatabase_KeepsTheData()
    {
        var store = await NewStoreAsync();
        await using (var loader = await PlatformContactsLoader.OpenAsync(store, TimeProvider.System, default))
        {
            await loader.LoadAsync("tanaka", [Request("a", "一", false)], default);
        }

        await using var reopened = await PlatformContactsLoader.OpenAsync(store, TimeProvider.System, default);
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(store));
        (await db.Contacts.CountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task Load_TargetKeysNameEachContactsOwnRow_UpdatesKeepTheirRowAndCreationTime()
    {
        var store = await NewStoreAsync();
        var first = new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);
        var second = first.AddMinutes(5).AddTicks(70);
        Dictionary<string, string?> keys;
        await using (var loader = await PlatformContactsLoader.OpenAsync(store, new FixedClock(first), default))
        {
            var batch = new[] { "a", "b", "c" }.Select(id => Request(id, "名 " + id, false)).ToList();
            keys = (await loader.LoadAsync("tanaka", batch, default)).Select((o, i) => (batch[i].Item.SourceNativeId, o.TargetKey)).ToDictionary();
        }

        await using (var loader = await PlatformContactsLoader.OpenAsync(store, new FixedClock(second), default))
        {
            var updated = Request("b", "名 b (更新)", false);
            updated = updated with { Item = updated.Item with { Original = updated.Item.Original with { Email = "B@pref.example.jp" }, EmailNormalized = "b@pref.example.jp", HasUnmappedGaiji = true } };
            var batch = new List<LoadRequest<ContactRecord>>
            {
                Request("d", "名 d", false), updated, Request("a", "名 a", false) with { Removal = true, PreviousTargetKey = keys["a"] }, Request("e", "名 e", false),
            };
            var outcomes = await loader.LoadAsync("tanaka", batch, default);
            foreach (var (request, outcome) in batch.Zip(outcomes).Where(p => !p.First.Removal))
            {
                keys[request.Item.SourceNativeId] = outcome.TargetKey;
            }

            outcomes[1].TargetKey.Should().Be(keys["b"], "an update answers with the row it updated");
        }

        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(store));
        var rows = await db.Contacts.OrderBy(c => c.SourceNativeId).ToListAsync();
        rows.Select(r => r.SourceNativeId).Should().Equal("b", "c", "d", "e");
        rows.Select(r => (r.SourceNativeId, (string?)$"contacts/{r.Id}")).Should().Equal(rows.Select(r => (r.SourceNativeId, keys[r.SourceNativeId])),
            "each target key names its own contact's row");
        var b = rows[0];
        (b.DisplayName, b.Email, b.EmailNormalized, b.HasUnmappedGaiji, b.CreatedUtc, b.UpdatedUtc).Should().Be(("名 b (更新)", "B@pref.example.jp", (string?)"b@pref.example.jp", true, first.UtcDateTime, second.UtcDateTime));
        (rows[1].Email, rows[1].EmailNormalized, rows[1].HasUnmappedGaiji, rows[1].CreatedUtc, rows[1].UpdatedUtc).Should().Be((string.Empty, (string?)null, false, first.UtcDateTime, first.UtcDateTime));
        rows[2].CreatedUtc.Should().Be(second.UtcDateTime);
    }

    private static LoadRequest<ContactRecord> Request(string id, string name, bool inDoubt)
    {
        var entry = new AddressBookEntry { File = "t.csv", Line = 2, Name = name, Kana = "ﾀｶﾊｼ", Phone1 = "０３-1234-5678", Memo = "①㈱髙～\r\n二行目" };
        var contact = new ContactRecord
        {
            OwnerAccount = "tanaka",
            OwnerTarget = "kenta@pref.example.jp",
            SourceSystem = "activemail-addressbook",
            SourceNativeId = id,
            ContentHash = "h-" + id,
            SourceLocation = "t.csv:2",
            Original = entry,
            DisplayName = name,
            KanaNormalized = "たかはし",
            Phone1E164 = "+81312345678",
            Gaiji = "U+E000",
        };
        return new LoadRequest<ContactRecord>(new SourceKey("activemail-addressbook", "tanaka", "addressbook", id, "v"), contact.ContentHash, 0, contact, inDoubt);
    }
}

public sealed class SqlitePlatformContactsLoaderTests : PlatformContactsLoaderTests, IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    protected override Task<StoreLocation> NewStoreAsync() => Task.FromResult(StoreLocation.Parse($"p-{Guid.NewGuid():N}.db", temp.Path));
}

public sealed class PostgresPlatformContactsLoaderTests(PostgresFixture postgres) : PlatformContactsLoaderTests, IClassFixture<PostgresFixture>
{
    protected override async Task<StoreLocation> NewStoreAsync() => StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
}

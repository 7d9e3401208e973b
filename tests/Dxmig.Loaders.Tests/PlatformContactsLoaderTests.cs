using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
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

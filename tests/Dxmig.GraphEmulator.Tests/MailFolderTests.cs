using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class MailFolderTests
{
    private const string User = "a@pref.example.jp";

    [Fact]
    public async Task WellKnownFolders_HaveJapaneseNamesAndResolveByName()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var inbox = await graph.Users[User].MailFolders["inbox"].GetAsync();
        var sent = await graph.Users[User].MailFolders["SentItems"].GetAsync();

        inbox!.DisplayName.Should().Be("受信トレイ");
        sent!.DisplayName.Should().Be("送信済みアイテム");
        inbox.Id.Should().Be(emu.Store.MailFolder(User, "inbox")!.Id);
        inbox.AdditionalData.Should().NotContainKey("wellKnownName", "Graph v1.0 does not return it");
    }

    [Fact]
    public async Task CreateFolder_TwiceWithTheSameName_Is409ErrorFolderExists()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        var created = await graph.Users[User].MailFolders.PostAsync(new MailFolder { DisplayName = "2024年度" });
        var child = await graph.Users[User].MailFolders[created!.Id].ChildFolders.PostAsync(new MailFolder { DisplayName = "会議資料" });

        var again = () => graph.Users[User].MailFolders.PostAsync(new MailFolder { DisplayName = "2024年度" });

        var error = (await again.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(409);
        error.Error!.Code.Should().Be("ErrorFolderExists");
        child!.ParentFolderId.Should().Be(created.Id);
        emu.Store.MailFolder(User, "2024年度/会議資料")!.Id.Should().Be(child.Id);
        (await graph.Users[User].MailFolders[created.Id].GetAsync())!.ChildFolderCount.Should().Be(1);
    }

    [Fact]
    public async Task ListFolders_PagesByTenAndFiltersByDisplayName()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        for (var i = 0; i < 5; i++)
        {
            await graph.Users[User].MailFolders.PostAsync(new MailFolder { DisplayName = $"フォルダー{i}" });
        }

        var first = await graph.Users[User].MailFolders.GetAsync();
        var second = await graph.Users[User].MailFolders.WithUrl(first!.OdataNextLink!).GetAsync();
        var filtered = await graph.Users[User].MailFolders.GetAsync(r => r.QueryParameters.Filter = "displayName eq 'フォルダー3'");

        first.Value.Should().HaveCount(10);
        second!.Value.Should().HaveCount(2);
        second.OdataNextLink.Should().BeNull();
        first.Value!.Concat(second.Value!).Select(f => f.Id).Should().OnlyHaveUniqueItems();
        filtered!.Value.Should().ContainSingle().Which.DisplayName.Should().Be("フォルダー3");
    }

    [Fact]
    public async Task MalformedFolderId_Is400_UnknownIs404()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var malformed = () => graph.Users[User].MailFolders["受信トレイ"].GetAsync();
        var unknown = () => graph.Users[User].MailFolders["AQMkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="].GetAsync();

        (await malformed.Should().ThrowAsync<ODataError>()).Which.Error!.Code.Should().Be("ErrorInvalidIdMalformed");
        (await unknown.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(404);
    }
}

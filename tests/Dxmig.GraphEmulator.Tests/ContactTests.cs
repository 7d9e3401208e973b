using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class ContactTests
{
    private const string User = "a@pref.example.jp";
    private const string SourceKeyId = "String {6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9} Name dxmigSourceKey";

    private static Contact Person(string name, string key) => new()
    {
        DisplayName = name,
        YomiGivenName = "たかはし",
        CompanyName = "㈱髙﨑",
        EmailAddresses = [new EmailAddress { Address = "takahashi@example.jp", Name = name }],
        BusinessPhones = ["+81312345678"],
        PersonalNotes = "メモ\n二行目",
        SingleValueExtendedProperties = [new SingleValueLegacyExtendedProperty { Id = SourceKeyId, Value = key }],
    };

    [Fact]
    public async Task Contacts_CreateInFolders_FilterByExtendedProperty_UpdateAndDelete()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        var folder = await graph.Users[User].ContactFolders.PostAsync(new ContactFolder { DisplayName = "取引先" });
        var duplicate = () => graph.Users[User].ContactFolders.PostAsync(new ContactFolder { DisplayName = "取引先" });

        var inFolder = await graph.Users[User].ContactFolders[folder!.Id].Contacts.PostAsync(Person("髙橋 一郎", "c-1"));
        await graph.Users[User].Contacts.PostAsync(Person("佐藤 花子", "c-2"));
        var found = await graph.Users[User].ContactFolders[folder.Id].Contacts.GetAsync(r =>
            r.QueryParameters.Filter = $"singleValueExtendedProperties/Any(ep: ep/id eq '{SourceKeyId}' and ep/value eq 'c-1')");
        await graph.Users[User].Contacts[inFolder!.Id].PatchAsync(new Contact { JobTitle = "課長" });

        (await duplicate.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(409);
        found!.Value.Should().ContainSingle().Which.Id.Should().Be(inFolder.Id);
        var stored = emu.Store.Contacts(User, folder.Id).Should().ContainSingle().Subject;
        stored.DisplayName.Should().Be("髙橋 一郎");
        stored.ExtendedProperties.Should().ContainValue("c-1");
        stored.Properties["jobTitle"]!.GetValue<string>().Should().Be("課長");
        stored.Properties["personalNotes"]!.GetValue<string>().Should().Be("メモ\n二行目");
        emu.Store.Contacts(User).Should().ContainSingle().Which.DisplayName.Should().Be("佐藤 花子");
        await graph.Users[User].Contacts[inFolder.Id].DeleteAsync();
        emu.Store.Contacts(User, folder.Id).Should().BeEmpty();
    }

    [Fact]
    public async Task Contact_WithFourEmailAddresses_IsRefused()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        var contact = Person("多い", "c-3");
        contact.EmailAddresses = Enumerable.Range(1, 4).Select(i => new EmailAddress { Address = $"x{i}@example.jp" }).ToList();

        var act = () => graph.Users[User].Contacts.PostAsync(contact);

        (await act.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(400);
        emu.Store.Contacts(User).Should().BeEmpty();
    }
}

using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class MessageTests
{
    private const string User = "a@pref.example.jp";
    private const string SourceKeyId = "String {6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9} Name dxmigSourceKey";

    internal static Message Imported(string subject, string sourceKey, int flags = 1) => new()
    {
        Subject = subject,
        Body = new ItemBody { ContentType = BodyType.Text, Content = "本文 ①㈱髙" },
        From = new Recipient { EmailAddress = new EmailAddress { Address = "sender@example.jp", Name = "送信者" } },
        ToRecipients = [new Recipient { EmailAddress = new EmailAddress { Address = User } }],
        InternetMessageId = $"<{sourceKey}@example.jp>",
        SingleValueExtendedProperties =
        [
            new SingleValueLegacyExtendedProperty { Id = "Integer 0x0E07", Value = flags.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            new SingleValueLegacyExtendedProperty { Id = "SystemTime 0x0E06", Value = "2019-04-01T09:30:00Z" },
            new SingleValueLegacyExtendedProperty { Id = "SystemTime 0x0039", Value = "2019-04-01T09:29:00Z" },
            new SingleValueLegacyExtendedProperty { Id = "String 0x007D", Value = "Received: from mx.example.jp\r\n\tby mail.pref.example.jp; Mon, 1 Apr 2019 18:30:00 +0900\r\nX-Mailer: Active! mail\r\n" },
            new SingleValueLegacyExtendedProperty { Id = SourceKeyId, Value = sourceKey },
        ],
    };

    [Fact]
    public async Task Create_WithMessageFlagsWithoutUnsent_IsNotADraftAndKeepsDatesAndHeaders()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var created = await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(Imported("会議の件", "k1", flags: 1));
        var withHeaders = await graph.Users[User].Messages[created!.Id].GetAsync(r => r.QueryParameters.Select = ["internetMessageHeaders", "subject"]);
        var plain = await graph.Users[User].Messages[created.Id].GetAsync();

        created.IsDraft.Should().BeFalse();
        created.IsRead.Should().BeTrue();
        created.ReceivedDateTime.Should().Be(new DateTimeOffset(2019, 4, 1, 9, 30, 0, TimeSpan.Zero));
        created.SentDateTime.Should().Be(new DateTimeOffset(2019, 4, 1, 9, 29, 0, TimeSpan.Zero));
        plain!.InternetMessageHeaders.Should().BeNull("headers come only with $select");
        withHeaders!.InternetMessageHeaders.Should().ContainEquivalentOf(new InternetMessageHeader
        {
            Name = "Received",
            Value = "from mx.example.jp by mail.pref.example.jp; Mon, 1 Apr 2019 18:30:00 +0900",
        }, o => o.Excluding(h => h.BackingStore).Excluding(h => h.AdditionalData));
        var stored = emu.Store.Messages(User, "inbox").Should().ContainSingle().Subject;
        stored.IsDraft.Should().BeFalse();
        stored.ExtendedProperty(SourceKeyId).Should().Be("k1");
        stored.BodyContent.Should().Be("本文 ①㈱髙");
    }

    [Fact]
    public async Task Create_WithoutFlags_IsADraftAndPatchingFlagsDoesNotChangeIt()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var draft = await graph.Users[User].MailFolders["drafts"].Messages.PostAsync(new Message
        {
            Subject = "下書き",
            ReceivedDateTime = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        var unsent = await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(Imported("未送信", "k2", flags: 9));
        await graph.Users[User].Messages[draft!.Id].PatchAsync(new Message
        {
            SingleValueExtendedProperties = [new SingleValueLegacyExtendedProperty { Id = "Integer 0x0E07", Value = "1" }],
        });

        draft.IsDraft.Should().BeTrue();
        draft.ReceivedDateTime.Should().NotBe(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), "receivedDateTime is read-only");
        unsent!.IsDraft.Should().BeTrue("MSGFLAG_UNSENT was set");
        (await graph.Users[User].Messages[draft.Id].GetAsync())!.IsDraft.Should().BeTrue();
        emu.Store.Message(User, draft.Id!)!.ExtendedProperty("Integer 0x0E07").Should().Be("1");
    }

    [Fact]
    public async Task List_FiltersByExtendedPropertyAndInternetMessageId_AndExpandsTheProperty()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        for (var i = 0; i < 3; i++)
        {
            await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(Imported($"件名{i}", $"key-{i}"));
        }

        var byKey = await graph.Users[User].MailFolders["inbox"].Messages.GetAsync(r =>
        {
            r.QueryParameters.Filter = $"singleValueExtendedProperties/Any(ep: ep/id eq '{SourceKeyId}' and ep/value eq 'key-1')";
            r.QueryParameters.Expand = [$"singleValueExtendedProperties($filter=id eq '{SourceKeyId}')"];
            r.QueryParameters.Select = ["id", "subject"];
        });
        var byMessageId = await graph.Users[User].Messages.GetAsync(r => r.QueryParameters.Filter = "internetMessageId eq '<key-2@example.jp>'");

        var hit = byKey!.Value.Should().ContainSingle().Subject;
        hit.Subject.Should().Be("件名1");
        hit.SingleValueExtendedProperties.Should().ContainSingle().Which.Value.Should().Be("key-1");
        byMessageId!.Value.Should().ContainSingle().Which.Subject.Should().Be("件名2");
    }

    [Fact]
    public async Task List_PagesWithTopAndSkipToken_AndRefusesTopOver1000()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        for (var i = 0; i < 5; i++)
        {
            await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(new Message { Subject = $"m{i}" });
        }

        var page1 = await graph.Users[User].MailFolders["inbox"].Messages.GetAsync(r => r.QueryParameters.Top = 3);
        var page2 = await graph.Users[User].MailFolders["inbox"].Messages.WithUrl(page1!.OdataNextLink!).GetAsync();
        var tooMany = () => graph.Users[User].Messages.GetAsync(r => r.QueryParameters.Top = 1001);

        page1.Value.Should().HaveCount(3);
        page2!.Value.Should().HaveCount(2);
        page1.OdataNextLink.Should().Contain("$skiptoken=");
        (await tooMany.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(400);
    }

    [Fact]
    public async Task Create_WithMalformedExtendedProperty_Is400()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var badId = () => graph.Users[User].Messages.PostAsync(new Message
        {
            SingleValueExtendedProperties = [new SingleValueLegacyExtendedProperty { Id = "Integer 0xZZZZ", Value = "1" }],
        });
        var badValue = () => graph.Users[User].Messages.PostAsync(new Message
        {
            SingleValueExtendedProperties = [new SingleValueLegacyExtendedProperty { Id = "SystemTime 0x0E06", Value = "昨日" }],
        });
        var wrongType = () => graph.Users[User].Messages.PostAsync(new Message
        {
            SingleValueExtendedProperties = [new SingleValueLegacyExtendedProperty { Id = "String 0x0E07", Value = "1" }],
        });

        (await badId.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(400);
        (await badValue.Should().ThrowAsync<ODataError>()).Which.Error!.Code.Should().Be("ErrorInvalidExtendedPropertyValue");
        (await wrongType.Should().ThrowAsync<ODataError>()).Which.Error!.Code.Should().Be("ErrorInvalidExtendedProperty");
        emu.Store.AllMessages(User).Should().BeEmpty();
    }

    [Fact]
    public async Task Move_GivesANewId_AndPatchDeleteWork()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        var created = await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(Imported("移動", "k-move", flags: 0));

        var moved = await graph.Users[User].Messages[created!.Id].Move.PostAsync(new Microsoft.Graph.Users.Item.Messages.Item.Move.MovePostRequestBody { DestinationId = "archive" });
        await graph.Users[User].Messages[moved!.Id].PatchAsync(new Message { IsRead = true, Categories = ["重要"], Flag = new FollowupFlag { FlagStatus = FollowupFlagStatus.Flagged } });
        var gone = () => graph.Users[User].Messages[created.Id].GetAsync();

        moved.Id.Should().NotBe(created.Id);
        (await gone.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(404);
        var stored = emu.Store.Messages(User, "archive").Should().ContainSingle().Subject;
        stored.IsRead.Should().BeTrue();
        stored.Categories.Should().Equal("重要");
        stored.FlagStatus.Should().Be("flagged");
        await graph.Users[User].Messages[moved.Id].DeleteAsync();
        emu.Store.AllMessages(User).Should().BeEmpty();
    }
}

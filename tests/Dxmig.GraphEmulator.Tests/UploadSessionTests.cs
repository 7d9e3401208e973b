using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Messages.Item.Attachments.CreateUploadSession;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Dxmig.GraphEmulator.Tests;

public sealed class UploadSessionTests
{
    private const string User = "a@pref.example.jp";

    private static async Task<(GraphServiceClient Graph, string MessageId, UploadSession Session)> StartAsync(GraphEmulator emu, int size)
    {
        var graph = GraphClients.Client(emu);
        var message = await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(MessageTests.Imported("添付", "k-att"));
        var session = await graph.Users[User].Messages[message!.Id].Attachments.CreateUploadSession.PostAsync(new CreateUploadSessionPostRequestBody
        {
            AttachmentItem = new AttachmentItem { AttachmentType = AttachmentType.File, Name = "議事録.pdf", Size = size, ContentType = "application/pdf" },
        });
        return (graph, message.Id!, session!);
    }

    [Fact]
    public async Task LargeFileUploadTask_With3MiBSlices_Attaches20MB()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var bytes = new byte[20 * 1000 * 1000];
        new Random(7).NextBytes(bytes);
        var (_, messageId, session) = await StartAsync(emu, bytes.Length);

        // The uploadUrl is pre-authenticated: the slices go through an adapter that adds no Authorization header.
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: GraphClients.HttpClient(emu));
        using var stream = new MemoryStream(bytes);
        var task = new LargeFileUploadTask<AttachmentItem>(session, stream, 3 * 1024 * 1024, adapter);
        var result = await task.UploadAsync();

        result.UploadSucceeded.Should().BeTrue();
        result.Location!.ToString().Should().Contain("Attachments('");
        var attachment = emu.Store.Message(User, messageId)!.Attachments.Should().ContainSingle().Subject;
        attachment.Name.Should().Be("議事録.pdf");
        attachment.Bytes.Should().Equal(bytes);
        emu.Stats.For(User, Operations.UploadChunk).Requests.Should().Be(7);
        emu.Store.OpenUploadSessions.Should().Be(0);
    }

    [Fact]
    public async Task UploadUrl_WithAuthorizationHeader_IsRefused()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var (graph, messageId, session) = await StartAsync(emu, 4 * 1024 * 1024);

        // The Graph client's own adapter adds its bearer token to every request for an allowed host.
        using var stream = new MemoryStream(new byte[4 * 1024 * 1024]);
        var task = new LargeFileUploadTask<AttachmentItem>(session, stream, 2 * 1024 * 1024, graph.RequestAdapter);
        var act = () => task.UploadAsync();

        await act.Should().ThrowAsync<Exception>();
        using var raw = new RawGraph(emu);
        var (status, body, _) = await raw.SendAsync(HttpMethod.Get, session.UploadUrl!, bearer: true);

        status.Should().Be(401);
        body!["error"]!["message"]!.GetValue<string>().Should().Contain("Authorization");
        emu.Store.Message(User, messageId)!.Attachments.Should().BeEmpty();
        emu.Stats.For(User, Operations.UploadChunk).Requests.Should().Be(0, "refused before it reached the session");
    }

    [Fact]
    public async Task Chunks_OutOfOrder_Are416_AndStatusShowsTheNextExpectedByte()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var (_, _, session) = await StartAsync(emu, 4 * 1024 * 1024);
        using var http = new HttpClient(emu.CreatePinnedHandler());

        using var first = new ByteArrayContent(new byte[1024 * 1024]);
        first.Headers.Add("Content-Range", $"bytes 0-1048575/{4 * 1024 * 1024}");
        using var ok = await http.PutAsync(new Uri(session.UploadUrl!), first);
        using var skipped = new ByteArrayContent(new byte[1024]);
        skipped.Headers.Add("Content-Range", $"bytes 2097152-2098175/{4 * 1024 * 1024}");
        using var refused = await http.PutAsync(new Uri(session.UploadUrl!), skipped);
        var status = await http.GetStringAsync(new Uri(session.UploadUrl!));

        ((int)ok.StatusCode).Should().Be(200);
        ((int)refused.StatusCode).Should().Be(416);
        status.Should().Contain("\"nextExpectedRanges\":[\"1048576\"]");
    }

    [Fact]
    public async Task InlineAttachmentOf3MiB_IsRefused_SessionUnder3MiB_IsRefused()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        var message = await graph.Users[User].MailFolders["inbox"].Messages.PostAsync(new Message { Subject = "s" });

        var small = await graph.Users[User].Messages[message!.Id].Attachments.PostAsync(new FileAttachment { Name = "a.txt", ContentBytes = "こんにちは"u8.ToArray() });
        var inline = () => graph.Users[User].Messages[message.Id].Attachments.PostAsync(new FileAttachment { Name = "big.bin", ContentBytes = new byte[(3 * 1024 * 1024) - 10] });
        var session = () => graph.Users[User].Messages[message.Id].Attachments.CreateUploadSession.PostAsync(new CreateUploadSessionPostRequestBody
        {
            AttachmentItem = new AttachmentItem { AttachmentType = AttachmentType.File, Name = "s.bin", Size = 1000 },
        });

        small!.Size.Should().Be(15);
        (await inline.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().BeOneOf(400, 413);
        (await session.Should().ThrowAsync<ODataError>()).Which.Error!.Code.Should().Be("ErrorAttachmentSizeShouldNotBeLessThanMinimumSize");
        var got = await graph.Users[User].Messages[message.Id].Attachments[small.Id].GetAsync();
        ((FileAttachment)got!).ContentBytes.Should().Equal("こんにちは"u8.ToArray());
    }
}

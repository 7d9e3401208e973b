using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Tests;

public sealed class DriveTests
{
    private const string User = "docs@pref.example.jp";
    private const int Unit = 320 * 1024;

    private static Task<GraphEmulator> StartAsync() => GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);

    private static string Drive => $"/users/{User}/drive";

    internal static async Task<(int Status, JsonNode? Body)> PutBytesAsync(GraphEmulator emu, string url, byte[] bytes, string? contentRange = null, bool bearer = true)
    {
        using var http = new HttpClient(emu.CreatePinnedHandler());
        using var request = new HttpRequestMessage(HttpMethod.Put, url.StartsWith("https:", StringComparison.Ordinal) ? url : emu.BaseUrl + url)
        {
            Content = new ByteArrayContent(bytes),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (contentRange is not null)
        {
            request.Content.Headers.Add("Content-Range", contentRange);
        }

        if (bearer)
        {
            var token = await GraphClients.SecretCredential(emu).GetTokenAsync(new Azure.Core.TokenRequestContext(GraphClients.Scopes), CancellationToken.None);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task PutContent_SmallFile_IsCreatedWithGraphsQuickXorHash_ThenReplaced()
    {
        await using var emu = await StartAsync();

        var (created, item) = await PutBytesAsync(emu, $"{Drive}/items/root:/{Uri.EscapeDataString("議事録.txt")}:/content", Encoding.ASCII.GetBytes("hello world"));
        var (replaced, again) = await PutBytesAsync(emu, $"{Drive}/items/root:/{Uri.EscapeDataString("議事録.txt")}:/content", Encoding.ASCII.GetBytes("hello world!"));

        created.Should().Be(201);
        // The published test value of quickXorHash("hello world").
        item!["file"]!["hashes"]!["quickXorHash"]!.GetValue<string>().Should().Be("aCgDG9jwBhDc4Q1yawMZAAAAAAA=");
        replaced.Should().Be(200);
        again!["id"]!.GetValue<string>().Should().Be(item["id"]!.GetValue<string>(), "replace keeps the item");
        var driveId = emu.Store.Drives.UserDriveId(emu.Store.FindUser(User)!, DateTimeOffset.UtcNow);
        emu.Store.Drives.Items(driveId).Should().ContainSingle().Which.Bytes.Should().Equal(Encoding.ASCII.GetBytes("hello world!"));
    }

    [Fact]
    public async Task CreateFolder_SameNameTwice_FailIs409_RenameAddsANumber()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        const string body = """{"name":"総務課","folder":{},"@microsoft.graph.conflictBehavior":"fail"}""";

        var (first, _, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root/children", body);
        var (second, error, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root/children", body);
        var (third, renamed, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root/children", body.Replace("fail", "rename", StringComparison.Ordinal));
        var (noFacet, _, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root/children", """{"name":"x"}""");

        first.Should().Be(201);
        second.Should().Be(409);
        error!["error"]!["code"]!.GetValue<string>().Should().Be("nameAlreadyExists");
        third.Should().Be(201);
        renamed!["name"]!.GetValue<string>().Should().Be("総務課 1");
        noFacet.Should().Be(400);
    }

    [Theory]
    [InlineData("a:b.txt")]
    [InlineData("what?.txt")]
    [InlineData(" lead.txt")]
    [InlineData("CON.txt")]
    [InlineData("desktop.ini")]
    [InlineData("~$draft.docx")]
    [InlineData("x_vti_y.txt")]
    public async Task Names_SharePointRefuses_Are400InvalidRequest(string name)
    {
        await using var emu = await StartAsync();

        var (status, body) = await PutBytesAsync(emu, $"{Drive}/items/root:/{Uri.EscapeDataString(name)}:/content", [1, 2, 3]);

        status.Should().Be(400, name);
        body!["error"]!["code"]!.GetValue<string>().Should().Be("invalidRequest");
    }

    [Fact]
    public async Task Path_Over400Characters_IsRefused_At400ItIsTaken()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var (_, folder, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root/children", "{\"name\":\"" + new string('あ', 200) + "\",\"folder\":{}}");
        var parent = folder!["id"]!.GetValue<string>();

        var (tooLong, _) = await PutBytesAsync(emu, $"{Drive}/items/{parent}:/{new string('い', 196)}.txt:/content", [1]);
        var (fits, _) = await PutBytesAsync(emu, $"{Drive}/items/{parent}:/{new string('い', 195)}.txt:/content", [1]);

        tooLong.Should().Be(400, "200 + 1 + 200 = 401 characters");
        fits.Should().Be(201, "200 + 1 + 199 = 400 characters");
    }

    [Fact]
    public async Task UploadSession_EnforcesThe320KiBRule_OrderAndNoAuthorization_ThenKeepsFileSystemInfo()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var bytes = new byte[(3 * Unit) + 1000];
        new Random(3).NextBytes(bytes);
        var (status, session, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root:/{Uri.EscapeDataString("大きな資料.pdf")}:/createUploadSession",
            """{"item":{"@microsoft.graph.conflictBehavior":"replace","fileSystemInfo":{"createdDateTime":"2019-05-01T01:02:03Z","lastModifiedDateTime":"2023-04-01T09:00:00Z"}}}""");
        status.Should().Be(200);
        var url = session!["uploadUrl"]!.GetValue<string>();
        string Range(int start, int length) => $"bytes {start}-{start + length - 1}/{bytes.Length}";

        var (notMultiple, notMultipleBody) = await PutBytesAsync(emu, url, bytes[..1000], Range(0, 1000), bearer: false);
        var (withAuth, _) = await PutBytesAsync(emu, url, bytes[..Unit], Range(0, Unit), bearer: true);
        var (first, firstBody) = await PutBytesAsync(emu, url, bytes[..Unit], Range(0, Unit), bearer: false);
        var (skipped, skippedBody) = await PutBytesAsync(emu, url, bytes[(2 * Unit)..(3 * Unit)], Range(2 * Unit, Unit), bearer: false);
        var (statusCode, state, _) = await raw.SendAsync(HttpMethod.Get, url, bearer: false);
        var (second, _) = await PutBytesAsync(emu, url, bytes[Unit..(3 * Unit)], Range(Unit, 2 * Unit), bearer: false);
        var (last, item) = await PutBytesAsync(emu, url, bytes[(3 * Unit)..], Range(3 * Unit, 1000), bearer: false);

        notMultiple.Should().Be(400);
        notMultipleBody!["error"]!["message"]!.GetValue<string>().Should().Contain("320 KiB");
        withAuth.Should().Be(401);
        first.Should().Be(202);
        firstBody!["nextExpectedRanges"]![0]!.GetValue<string>().Should().Be($"{Unit}-{bytes.Length - 1}");
        skipped.Should().Be(416);
        skippedBody!["error"]!["code"]!.GetValue<string>().Should().Be("invalidRange");
        statusCode.Should().Be(200);
        state!["nextExpectedRanges"]![0]!.GetValue<string>().Should().StartWith($"{Unit}-");
        second.Should().Be(202);
        last.Should().Be(201);
        item!["fileSystemInfo"]!["createdDateTime"]!.GetValue<string>().Should().Be("2019-05-01T01:02:03Z");
        item["fileSystemInfo"]!["lastModifiedDateTime"]!.GetValue<string>().Should().Be("2023-04-01T09:00:00Z");
        item["size"]!.GetValue<long>().Should().Be(bytes.Length);
        emu.Store.Drives.OpenUploadSessions.Should().Be(0);
        var driveId = emu.Store.Drives.UserDriveId(emu.Store.FindUser(User)!, DateTimeOffset.UtcNow);
        emu.Store.Drives.Item(driveId, "/大きな資料.pdf")!.Bytes.Should().Equal(bytes);
    }

    [Fact]
    public async Task UploadSession_FailOnAnExistingName_Is409_AndAFragmentOver60MiBIsRefused()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        await PutBytesAsync(emu, $"{Drive}/items/root:/a.bin:/content", [1]);

        var (conflict, error, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root:/a.bin:/createUploadSession",
            """{"item":{"@microsoft.graph.conflictBehavior":"fail"}}""");
        var (_, session, _) = await raw.SendAsync(HttpMethod.Post, $"{Drive}/items/root:/b.bin:/createUploadSession", """{"item":{}}""");
        var huge = new byte[(60 * 1024 * 1024) + Unit];
        var (tooBig, tooBigBody) = await PutBytesAsync(emu, session!["uploadUrl"]!.GetValue<string>(), huge, $"bytes 0-{huge.Length - 1}/{huge.Length * 2L}", bearer: false);

        conflict.Should().Be(409);
        error!["error"]!["code"]!.GetValue<string>().Should().Be("nameAlreadyExists");
        tooBig.Should().Be(400);
        tooBigBody!["error"]!["message"]!.GetValue<string>().Should().Contain("60 MiB");
    }

    [Fact]
    public async Task Children_ArePagedWithNextLink()
    {
        await using var emu = await StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await PutBytesAsync(emu, $"{Drive}/items/root:/f{i}.txt:/content", [(byte)i]);
        }

        using var raw = new RawGraph(emu);
        var (_, page1, _) = await raw.SendAsync(HttpMethod.Get, $"{Drive}/items/root/children?$top=3");
        var (_, page2, _) = await raw.SendAsync(HttpMethod.Get, page1!["@odata.nextLink"]!.GetValue<string>());

        page1["value"]!.AsArray().Should().HaveCount(3);
        page2!["value"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).Should().Equal("f3.txt", "f4.txt");
        page2["@odata.nextLink"].Should().BeNull();
    }
}

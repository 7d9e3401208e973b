using System.Text;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>SharePoint sites and their document libraries: the documented addresses, Graph's error shape, and the
/// same item, name, conflict and upload-session rules a OneDrive has.</summary>
public sealed class SiteTests
{
    private const string Host = "pref.sharepoint.com";
    private const int Unit = 320 * 1024;

    private static async Task<(GraphEmulator Emu, StoredSite Site)> StartAsync()
    {
        var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions(), CancellationToken.None);
        var site = emu.Store.Drives.AddSite(Host, "/sites/somu", "総務課", ["ドキュメント", "共有ドキュメント"], DateTimeOffset.UtcNow);
        return (emu, site);
    }

    [Fact]
    public async Task GetSite_ByIdByHostnamePathAndThroughTheSdk_AnswersOneSiteWithItsCompositeId()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);

        var (byId, idBody, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}");
        var (byPath, pathBody, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host}:/sites/somu");
        var (closed, closedBody, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host.ToUpperInvariant()}:/Sites/SOMU:");
        var sdk = await GraphClients.Client(emu).Sites[$"{Host}:/sites/somu:"].GetAsync();

        byId.Should().Be(200);
        var parts = idBody!["id"]!.GetValue<string>().Split(',');
        parts.Should().HaveCount(3);
        parts[0].Should().Be(Host);
        Guid.TryParse(parts[1], out _).Should().BeTrue("the second part is the site collection's GUID");
        Guid.TryParse(parts[2], out _).Should().BeTrue("the third part is the web's GUID");
        idBody["siteCollection"]!["hostname"]!.GetValue<string>().Should().Be(Host);
        idBody["displayName"]!.GetValue<string>().Should().Be("総務課");
        idBody["webUrl"]!.GetValue<string>().Should().Be($"https://{Host}/sites/somu");
        byPath.Should().Be(200);
        pathBody!["id"]!.GetValue<string>().Should().Be(site.Id);
        closed.Should().Be(200, "host and path compare case-insensitively and a closing ':' is allowed");
        closedBody!["id"]!.GetValue<string>().Should().Be(site.Id);
        sdk!.Id.Should().Be(site.Id, "the SDK sends the path address percent-encoded in one segment");
        sdk.Name.Should().Be("somu");
    }

    [Fact]
    public async Task GetSite_ByHostnameAlone_OrRoot_AnswersTheSiteAtSlash()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);
        var (before, _, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host}");
        var root = emu.Store.Drives.AddSite(Host, "/", "ポータル", ["Documents"], DateTimeOffset.UtcNow);

        var (byHost, hostBody, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host}");
        var (byRoot, rootBody, _) = await raw.SendAsync(HttpMethod.Get, "/sites/root");

        before.Should().Be(404, "no site at '/' yet");
        byHost.Should().Be(200);
        hostBody!["id"]!.GetValue<string>().Should().Be(root.Id).And.NotBe(site.Id);
        hostBody["webUrl"]!.GetValue<string>().Should().Be($"https://{Host}");
        byRoot.Should().Be(200);
        rootBody!["id"]!.GetValue<string>().Should().Be(root.Id);
    }

    [Fact]
    public async Task GetSite_Unknown_Is404ItemNotFound_InGraphsErrorShape()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);
        var otherId = $"{Host},{Guid.NewGuid():D},{Guid.NewGuid():D}";

        var (unknownId, idError, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{otherId}");
        var (unknownPath, pathError, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host}:/sites/jinji");
        var (unknownDrives, _, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{otherId}/drives");
        var (unknownDefault, _, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{otherId}/drive/root/children");
        var (continued, continuedError, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{Host}:/sites/somu:/drive");
        var sdk = async () => await GraphClients.Client(emu).Sites[$"{Host}:/sites/jinji:"].GetAsync();

        unknownId.Should().Be(404);
        idError!["error"]!["code"]!.GetValue<string>().Should().Be("itemNotFound");
        idError["error"]!["message"]!.GetValue<string>().Should().Be("Requested site could not be found");
        idError["error"]!["innerError"]!["request-id"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        unknownPath.Should().Be(404);
        pathError!["error"]!["code"]!.GetValue<string>().Should().Be("itemNotFound");
        unknownDrives.Should().Be(404);
        unknownDefault.Should().Be(404);
        continued.Should().Be(400, "a path address followed by more is not served, and says so");
        continuedError!["error"]!["message"]!.GetValue<string>().Should().Contain("not served");
        (await sdk.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(404);
        site.Id.Should().NotBe(otherId);
    }

    [Fact]
    public async Task Drives_OfASite_AreDocumentLibraries_TheFirstIsTheDefaultDrive_AndEachIsADrive()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);
        var client = GraphClients.Client(emu);

        var list = await client.Sites[site.Id].Drives.GetAsync();
        var (defaultStatus, defaultDrive, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}/drive");
        var library = await client.Drives[site.DriveIds["共有ドキュメント"]].GetAsync();
        var (inSite, inSiteBody, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}/drives/{site.DriveIds["共有ドキュメント"]}");
        var (unknownDrive, unknownBody, _) = await raw.SendAsync(HttpMethod.Get, "/drives/b!0000");
        var (paged, page, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}/drives?$top=1");
        var (ordered, _, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}/drives?$orderby=name");

        list!.Value!.Select(d => d.Name).Should().Equal("ドキュメント", "共有ドキュメント");
        list.Value!.Should().OnlyContain(d => d.DriveType == "documentLibrary");
        defaultStatus.Should().Be(200);
        defaultDrive!["id"]!.GetValue<string>().Should().Be(site.DefaultDriveId);
        library!.Name.Should().Be("共有ドキュメント");
        library.DriveType.Should().Be("documentLibrary");
        inSite.Should().Be(200);
        inSiteBody!["id"]!.GetValue<string>().Should().Be(site.DriveIds["共有ドキュメント"]);
        unknownDrive.Should().Be(404);
        unknownBody!["error"]!["code"]!.GetValue<string>().Should().Be("itemNotFound");
        paged.Should().Be(200);
        page!["value"]!.AsArray().Should().ContainSingle();
        page["@odata.nextLink"]!.GetValue<string>().Should().Contain("$skiptoken=");
        ordered.Should().Be(400, "an option the emulator does not serve is refused, not ignored");
    }

    [Fact]
    public async Task LibraryItems_ThroughTheSiteAndByDriveId_KeepOneDrivesNameConflictAndDeleteRules()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);
        var siteDrive = $"/sites/{site.Id}/drive";
        var byId = $"/drives/{site.DefaultDriveId}";

        var (created, item) = await DriveTests.PutBytesAsync(emu, $"{siteDrive}/items/root:/{Uri.EscapeDataString("議事録.txt")}:/content", Encoding.UTF8.GetBytes("第1回"));
        var (invalid, invalidBody) = await DriveTests.PutBytesAsync(emu, $"{siteDrive}/items/root:/{Uri.EscapeDataString("a:b.txt")}:/content", [1]);
        var (reserved, _) = await DriveTests.PutBytesAsync(emu, $"{byId}/items/root:/CON.txt:/content", [1]);
        var (tooLong, tooLongBody) = await DriveTests.PutBytesAsync(emu, $"{byId}/items/root:/{new string('あ', 401)}.txt:/content", [1]);
        const string folder = """{"name":"総務課","folder":{},"@microsoft.graph.conflictBehavior":"fail"}""";
        var (folderMade, _, _) = await raw.SendAsync(HttpMethod.Post, $"{siteDrive}/items/root/children", folder);
        var (folderAgain, folderError, _) = await raw.SendAsync(HttpMethod.Post, $"{byId}/items/root/children", folder);
        var (listed, children, _) = await raw.SendAsync(HttpMethod.Get, $"{byId}/root/children");
        var id = item!["id"]!.GetValue<string>();
        var (deleted, _, _) = await raw.SendAsync(HttpMethod.Delete, $"{siteDrive}/items/{id}");
        var (gone, goneBody, _) = await raw.SendAsync(HttpMethod.Get, $"{byId}/items/{id}");

        created.Should().Be(201);
        item["parentReference"]!["driveType"]!.GetValue<string>().Should().Be("documentLibrary");
        item["parentReference"]!["driveId"]!.GetValue<string>().Should().Be(site.DefaultDriveId, "the site's drive is its first library");
        item["parentReference"]!["siteId"]!.GetValue<string>().Should().Be(site.Id);
        invalid.Should().Be(400);
        invalidBody!["error"]!["message"]!.GetValue<string>().Should().Contain("':'");
        reserved.Should().Be(400);
        tooLong.Should().Be(400);
        tooLongBody!["error"]!["message"]!.GetValue<string>().Should().Contain("400");
        folderMade.Should().Be(201);
        folderAgain.Should().Be(409);
        folderError!["error"]!["code"]!.GetValue<string>().Should().Be("nameAlreadyExists");
        listed.Should().Be(200);
        children!["value"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).Should().BeEquivalentTo("議事録.txt", "総務課");
        deleted.Should().Be(204);
        gone.Should().Be(404);
        goneBody!["error"]!["code"]!.GetValue<string>().Should().Be("itemNotFound");
        emu.Store.Drives.Items(site.DefaultDriveId).Should().ContainSingle(i => i.IsFolder && i.Name == "総務課");
        emu.Store.Drives.Items(site.DriveIds["共有ドキュメント"]).Should().BeEmpty("the other library is another drive");
    }

    [Fact]
    public async Task UploadSession_IntoANamedLibraryOfASite_TakesFragmentsOf320KiB_AndPlacesTheFile()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);
        var library = site.DriveIds["共有ドキュメント"];
        var bytes = new byte[(2 * Unit) + 777];
        new Random(7).NextBytes(bytes);
        string Range(int start, int length) => $"bytes {start}-{start + length - 1}/{bytes.Length}";

        var (status, session, _) = await raw.SendAsync(HttpMethod.Post,
            $"/sites/{site.Id}/drives/{library}/items/root:/{Uri.EscapeDataString("年報.pdf")}:/createUploadSession",
            """{"item":{"@microsoft.graph.conflictBehavior":"replace"}}""");
        var (badName, _, _) = await raw.SendAsync(HttpMethod.Post, $"/drives/{library}/items/root:/{Uri.EscapeDataString("~$年報.pdf")}:/createUploadSession", """{"item":{}}""");
        var url = session!["uploadUrl"]!.GetValue<string>();
        var (notMultiple, _) = await DriveTests.PutBytesAsync(emu, url, bytes[..1000], Range(0, 1000), bearer: false);
        var (first, _) = await DriveTests.PutBytesAsync(emu, url, bytes[..(2 * Unit)], Range(0, 2 * Unit), bearer: false);
        var (last, item) = await DriveTests.PutBytesAsync(emu, url, bytes[(2 * Unit)..], Range(2 * Unit, 777), bearer: false);

        status.Should().Be(200);
        url.Should().Contain(Uri.EscapeDataString(library), "the session belongs to the library's drive");
        badName.Should().Be(400, "the name rules hold for upload sessions too");
        notMultiple.Should().Be(400);
        first.Should().Be(202);
        last.Should().Be(201);
        item!["size"]!.GetValue<long>().Should().Be(bytes.Length);
        emu.Store.Drives.Item(library, "/年報.pdf")!.Bytes.Should().Equal(bytes);
        emu.Store.Drives.OpenUploadSessions.Should().Be(0);
    }

    [Fact]
    public async Task Sites_WithoutAToken_Are401()
    {
        var (emu, site) = await StartAsync();
        await using var running = emu;
        using var raw = new RawGraph(emu);

        var (status, body, _) = await raw.SendAsync(HttpMethod.Get, $"/sites/{site.Id}/drives", bearer: false);

        status.Should().Be(401);
        body!["error"]!["code"]!.GetValue<string>().Should().Be("InvalidAuthenticationToken");
    }
}

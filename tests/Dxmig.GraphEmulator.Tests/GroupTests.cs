using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Tests;

public sealed class GroupTests
{
    private static readonly string[] Users = [.. Enumerable.Range(1, 25).Select(i => $"u{i:00}@pref.example.jp")];

    private static string Create(string name, string nickname = "telework-users") => new JsonObject
    {
        ["displayName"] = name,
        ["mailEnabled"] = false,
        ["mailNickname"] = nickname,
        ["securityEnabled"] = true,
    }.ToJsonString();

    private static string Bind(IEnumerable<string> ids) => new JsonObject
    {
        ["members@odata.bind"] = new JsonArray([.. ids.Select(id => (JsonNode)$"https://graph.microsoft.com/v1.0/directoryObjects/{id}")]),
    }.ToJsonString();

    private static Task<GraphEmulator> StartAsync() =>
        GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = Users }, CancellationToken.None);

    private static string Id(GraphEmulator emu, int user) => emu.Store.FindUser(Users[user])!.Id;

    [Fact]
    public async Task CreateSecurityGroup_IsFoundByDisplayNameFilter()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);

        var (status, created, _) = await raw.SendAsync(HttpMethod.Post, "/groups", Create("テレワーク利用者"));
        var (_, found, _) = await raw.SendAsync(HttpMethod.Get, "/groups?$filter=" + Uri.EscapeDataString("displayName eq 'テレワーク利用者'") + "&$select=id,displayName");
        var (_, none, _) = await raw.SendAsync(HttpMethod.Get, "/groups?$filter=" + Uri.EscapeDataString("displayName eq 'ほか'"));

        status.Should().Be(201);
        created!["securityEnabled"]!.GetValue<bool>().Should().BeTrue();
        found!["value"]!.AsArray().Single()!["id"]!.GetValue<string>().Should().Be(created["id"]!.GetValue<string>());
        none!["value"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task CreateMailEnabledOrBadNickname_Is400()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var mail = JsonNode.Parse(Create("g"))!.AsObject();
        mail["mailEnabled"] = true;

        (await raw.SendAsync(HttpMethod.Post, "/groups", mail.ToJsonString())).Status.Should().Be(400);
        (await raw.SendAsync(HttpMethod.Post, "/groups", Create("g", "テレワーク"))).Status.Should().Be(400);
        (await raw.SendAsync(HttpMethod.Post, "/groups", Create("g", "has space"))).Status.Should().Be(400);
        emu.Store.Groups.Groups.Should().BeEmpty();
    }

    [Fact]
    public async Task TwentyOneReferences_Are400_AndNoneIsAdded()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var group = emu.Store.Groups.Seed("g");

        var (status, body, _) = await raw.SendAsync(HttpMethod.Patch, $"/groups/{group.Id}", Bind(Enumerable.Range(0, 21).Select(i => Id(emu, i))));
        var twenty = await raw.SendAsync(HttpMethod.Patch, $"/groups/{group.Id}", Bind(Enumerable.Range(0, 20).Select(i => Id(emu, i))));

        status.Should().Be(400);
        body!["error"]!["message"]!.GetValue<string>().Should().Contain("20");
        twenty.Status.Should().Be(204);
        emu.Store.Groups.Group("g")!.MemberIds.Should().HaveCount(20);
    }

    [Fact]
    public async Task ExistingMember_Is400AlreadyExist_AndTheOthersAreNotAdded()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var group = emu.Store.Groups.Seed("g", Id(emu, 0));

        var (status, body, _) = await raw.SendAsync(HttpMethod.Patch, $"/groups/{group.Id}", Bind([Id(emu, 1), Id(emu, 0)]));

        status.Should().Be(400);
        body!["error"]!["message"]!.GetValue<string>().Should().Be("One or more added object references already exist for the following modified properties: 'members'.");
        emu.Store.Groups.Group("g")!.MemberIds.Should().Equal(Id(emu, 0));
    }

    [Fact]
    public async Task UnknownMemberOrGroup_Is404ResourceNotFound()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var group = emu.Store.Groups.Seed("g");

        var member = await raw.SendAsync(HttpMethod.Patch, $"/groups/{group.Id}", Bind([Guid.NewGuid().ToString("D")]));
        var missing = await raw.SendAsync(HttpMethod.Patch, $"/groups/{Guid.NewGuid():D}", Bind([Id(emu, 0)]));

        member.Status.Should().Be(404);
        member.Body!["error"]!["code"]!.GetValue<string>().Should().Be("Request_ResourceNotFound");
        missing.Status.Should().Be(404);
    }

    [Fact]
    public async Task NewGroup_RefusesMembersDuringReplicationDelay_ThenTakesThem()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-04-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = Users, TimeProvider = clock }, CancellationToken.None);
        emu.Store.Groups.ReplicationDelay = TimeSpan.FromSeconds(5);
        using var raw = new RawGraph(emu);
        var (_, created, _) = await raw.SendAsync(HttpMethod.Post, "/groups", Create("新規"));
        var id = created!["id"]!.GetValue<string>();

        var early = await raw.SendAsync(HttpMethod.Patch, $"/groups/{id}", Bind([Id(emu, 0)]));
        clock.Advance(TimeSpan.FromSeconds(6));
        var later = await raw.SendAsync(HttpMethod.Patch, $"/groups/{id}", Bind([Id(emu, 0)]));

        early.Status.Should().Be(400);
        early.Body!["error"]!["code"]!.GetValue<string>().Should().Be("Request_ResourceNotFound");
        later.Status.Should().Be(204);
        emu.Store.Groups.ReplicationRefusals.Should().Be(1);
    }

    [Fact]
    public async Task RemoveMember_ThenListMembers_PagesWithSelect()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var group = emu.Store.Groups.Seed("g", [.. Enumerable.Range(0, 5).Select(i => Id(emu, i))]);

        var removed = await raw.SendAsync(HttpMethod.Delete, $"/groups/{group.Id}/members/{Id(emu, 2)}/$ref");
        var again = await raw.SendAsync(HttpMethod.Delete, $"/groups/{group.Id}/members/{Id(emu, 2)}/$ref");
        var (_, page1, _) = await raw.SendAsync(HttpMethod.Get, $"/groups/{group.Id}/members?$select=id,userPrincipalName&$top=3");
        var (_, page2, _) = await raw.SendAsync(HttpMethod.Get, page1!["@odata.nextLink"]!.GetValue<string>());

        removed.Status.Should().Be(204);
        again.Status.Should().Be(404);
        var upns = page1["value"]!.AsArray().Concat(page2!["value"]!.AsArray()).Select(m => m!["userPrincipalName"]!.GetValue<string>()).ToList();
        upns.Should().Equal(Users[0], Users[1], Users[3], Users[4]);
        page1["value"]![0]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo("id", "userPrincipalName");
        page2.AsObject().ContainsKey("@odata.nextLink").Should().BeFalse();
    }

    [Fact]
    public async Task MembersInBatch_AndThrottled_Answer429WithRetryAfter()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        var a = emu.Store.Groups.Seed("a");
        var b = emu.Store.Groups.Seed("b");
        emu.Store.Groups.ThrottleNext(1, 7);
        var batch = new JsonObject
        {
            ["requests"] = new JsonArray(
                new JsonObject { ["id"] = "1", ["method"] = "PATCH", ["url"] = $"/groups/{a.Id}", ["headers"] = new JsonObject { ["Content-Type"] = "application/json" }, ["body"] = JsonNode.Parse(Bind([Id(emu, 0)])) },
                new JsonObject { ["id"] = "2", ["method"] = "PATCH", ["url"] = $"/groups/{b.Id}", ["headers"] = new JsonObject { ["Content-Type"] = "application/json" }, ["body"] = JsonNode.Parse(Bind([Id(emu, 1)])) }),
        }.ToJsonString();

        var (status, body, _) = await raw.SendAsync(HttpMethod.Post, "/$batch", batch);

        status.Should().Be(200);
        var statuses = body!["responses"]!.AsArray().ToDictionary(r => r!["id"]!.GetValue<string>(), r => r!["status"]!.GetValue<int>());
        statuses.Values.Should().BeEquivalentTo([429, 204]);
        var throttled = body["responses"]!.AsArray().Single(r => r!["status"]!.GetValue<int>() == 429)!;
        throttled["headers"]!["Retry-After"]!.GetValue<string>().Should().Be("7");
        emu.Store.Groups.Throttled.Should().Be(1);
    }

    [Fact]
    public async Task ImportDeviceIdentityList_IsBetaOnly_AndKeepsExistingUnlessOverwrite()
    {
        await using var emu = await StartAsync();
        using var raw = new RawGraph(emu);
        static string Import(string description, bool overwrite) => new JsonObject
        {
            ["importedDeviceIdentities"] = new JsonArray(new JsonObject
            {
                ["importedDeviceIdentifier"] = "PF3K9A21",
                ["importedDeviceIdentityType"] = "serialNumber",
                ["description"] = description,
            }),
            ["overwriteImportedDeviceIdentities"] = overwrite,
        }.ToJsonString();
        var beta = emu.Origin + "/beta/deviceManagement/importedDeviceIdentities/importDeviceIdentityList";

        var v1 = await raw.SendAsync(HttpMethod.Post, "/deviceManagement/importedDeviceIdentities/importDeviceIdentityList", Import("一", false));
        var first = await raw.SendAsync(HttpMethod.Post, beta, Import("一", false));
        var kept = await raw.SendAsync(HttpMethod.Post, beta, Import("二", false));
        var replaced = await raw.SendAsync(HttpMethod.Post, beta, Import("三", true));

        v1.Status.Should().Be(400);
        first.Body!["value"]![0]!["status"]!.GetValue<bool>().Should().BeTrue();
        kept.Body!["value"]![0]!["status"]!.GetValue<bool>().Should().BeFalse();
        replaced.Body!["value"]![0]!["status"]!.GetValue<bool>().Should().BeTrue();
        emu.Store.Groups.ImportedDeviceIdentities["PF3K9A21"].Should().Be("三");
    }
}

using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Loaders.Graph;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Loaders.Tests.Graph;

/// <summary>Group membership kept on the Graph emulator: members added, only its own removed, nothing doubled on a second pass.</summary>
public sealed class GraphGroupLoaderTests
{
    private const string GroupName = "テレワーク許可 (本庁)";
    private static readonly string[] Users = ["tanaka", "sato", "suzuki"];

    [Fact]
    public async Task LoadAsync_AddsTheMembers_CreatingTheGroupOnce_AndQuarantinesAPersonEntraDoesNotKnow()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        await using var loader = Loader(graph);

        var outcomes = await loader.LoadAsync("telework", [Add("tanaka"), Add("sato"), Add("yamada")], CancellationToken.None);

        var group = graph.Emulator.Store.Groups.Group(GroupName)!;
        group.Should().NotBeNull();
        group.MemberIds.Should().BeEquivalentTo([Id(graph, "tanaka"), Id(graph, "sato")]);
        outcomes.Select(o => o.TargetKey).Should().Equal(
            $"group-member:{group.Id}/{Id(graph, "tanaka")}", $"group-member:{group.Id}/{Id(graph, "sato")}", null);
        outcomes[2].Problem!.Code.Should().Be("user-not-found");
        outcomes[2].Problem!.Message.Should().Contain("yamada@pref.example.jp");
        loader.GroupsCreated.Should().Be(1);
        graph.Emulator.Store.Groups.Groups.Should().ContainSingle();
    }

    [Fact]
    public async Task LoadAsync_TheSameBatchAgain_InANewRun_ChangesNothing_AndCountsEveryMemberAsLoaded()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        IReadOnlyList<LoadOutcome> first;
        await using (var run1 = Loader(graph))
        {
            first = await run1.LoadAsync("telework", [Add("tanaka"), Add("sato")], CancellationToken.None);
        }

        await using var run2 = Loader(graph);
        var second = await run2.LoadAsync("telework", [Add("tanaka"), Add("sato")], CancellationToken.None);

        second.Select(o => o.TargetKey).Should().Equal(first.Select(o => o.TargetKey));
        second.Should().OnlyContain(o => o.Problem == null && o.Note == "already a member");
        run2.GroupsCreated.Should().Be(0, "the group is found by its name");
        graph.Emulator.Store.Groups.Groups.Should().ContainSingle().Which.MemberIds.Should().HaveCount(2);
    }

    [Fact]
    public async Task LoadAsync_ARemoval_TakesOutOnlyTheMemberThisLoaderAdded()
    {
        await using var graph = await EmulatedGraph.StartAsync(Users);
        var outsider = Id(graph, "suzuki");
        var seeded = graph.Emulator.Store.Groups.Seed(GroupName, outsider);
        await using var loader = Loader(graph);
        var added = await loader.LoadAsync("telework", [Add("tanaka"), Add("sato")], CancellationToken.None);

        var removed = await loader.LoadAsync("telework", [
            Add("tanaka") with { PreviousTargetKey = added[0].TargetKey, Removal = true },
            Add("suzuki") with { Removal = true },
        ], CancellationToken.None);

        removed.Select(o => o.TargetKey).Should().Equal(added[0].TargetKey, "group-member:none");
        graph.Emulator.Store.Groups.Group(GroupName)!.MemberIds.Should().BeEquivalentTo(
            [outsider, Id(graph, "sato")], "a member dxmig never added (no target key in the ledger) is left alone");
        loader.GroupsCreated.Should().Be(0);
        added[0].TargetKey.Should().StartWith($"group-member:{seeded.Id}/");
    }

    private static GraphGroupLoader Loader(EmulatedGraph graph) => new(graph.Session, NullLogger.Instance, TimeProvider.System);

    private static string Id(EmulatedGraph graph, string user) => graph.Emulator.Store.FindUser(EmulatedGraph.Upn(user))!.Id;

    private static LoadRequest<GroupMembership> Add(string user)
    {
        var membership = new GroupMembership
        {
            GroupKey = "honcho",
            GroupName = GroupName,
            MailNickname = "telework-honcho",
            EmployeeId = $"E-{user}",
            Lines = $"telework.csv:{user.Length}",
            UserPrincipalName = EmulatedGraph.Upn(user),
        };
        return new LoadRequest<GroupMembership>(
            new SourceKey("telework", "telework", "honcho", membership.EmployeeId, "v1"), "v1", 0, membership, InDoubt: false);
    }
}

using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class FaultTests
{
    private const string User = "a@pref.example.jp";
    private const string Creates = "^/users/[^/]+/mailFolders/[^/]+/messages$";

    private static Task<Message?> CreateAsync(Microsoft.Graph.GraphServiceClient graph, string subject) =>
        graph.Users[User].MailFolders["inbox"].Messages.PostAsync(new Message { Subject = subject });

    [Theory]
    [InlineData(FaultKind.ServiceUnavailable, 503, 0)]
    [InlineData(FaultKind.GatewayTimeout, 504, 0)]
    [InlineData(FaultKind.GatewayTimeoutAfterProcessing, 504, 1)]
    public async Task StatusFaults_AnswerTheStatus_AndStoreOnlyWhenAfterProcessing(FaultKind kind, int status, int stored)
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        emu.Faults.Add(new FaultRule(kind) { Method = "POST", PathPattern = Creates, Mailbox = User, Count = 1 });

        var act = () => CreateAsync(graph, "障害");

        (await act.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(status);
        emu.Store.AllMessages(User).Should().HaveCount(stored);
        emu.Stats.FaultsInjected(kind).Should().Be(1);
        (await CreateAsync(graph, "次")).Should().NotBeNull("the rule fired only once");
    }

    [Theory]
    [InlineData(FaultKind.DropConnection, 0)]
    [InlineData(FaultKind.LoseResponse, 1)]
    public async Task ConnectionFaults_AbortTheConnection_AndStoreOnlyWhenTheResponseIsLost(FaultKind kind, int stored)
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        emu.Faults.Add(new FaultRule(kind) { Method = "POST", PathPattern = Creates, Count = 1 });

        var act = () => CreateAsync(graph, "切断");

        await act.Should().ThrowAsync<HttpRequestException>();
        emu.Store.AllMessages(User).Should().HaveCount(stored);
        emu.Stats.TotalFaultsInjected.Should().Be(1);
    }

    [Fact]
    public async Task Delay_HoldsTheResponse()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        await graph.Users[User].MailFolders["inbox"].GetAsync();
        emu.Faults.Add(new FaultRule(FaultKind.Delay) { Delay = TimeSpan.FromMilliseconds(400), Count = 1 });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await graph.Users[User].MailFolders["inbox"].GetAsync();

        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400));
        emu.Stats.FaultsInjected(FaultKind.Delay).Should().Be(1);
    }

    [Fact]
    public async Task ProbabilisticFaults_RepeatWithTheSameSeed()
    {
        async Task<string> PatternAsync()
        {
            await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], FaultSeed = 42 }, CancellationToken.None);
            using var raw = new RawGraph(emu);
            emu.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { PathPattern = "/mailFolders/inbox$", Probability = 0.5 });
            var pattern = "";
            for (var i = 0; i < 16; i++)
            {
                pattern += (await raw.SendAsync(HttpMethod.Get, $"/users/{User}/mailFolders/inbox")).Status == 503 ? "x" : ".";
            }

            return pattern;
        }

        var first = await PatternAsync();
        var second = await PatternAsync();

        first.Should().Be(second).And.Contain("x").And.Contain(".");
    }
}

using System.Globalization;
using Dxmig.Extractors.Imap;
using Dxmig.Imap;
using Dxmig.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Extractors.Tests;

public sealed class EarlyLoginsTests : IAsyncLifetime
{
    private DovecotServer server = null!;

    public async Task InitializeAsync() =>
        server = await DovecotServer.StartAsync(new DovecotOptions
        {
            Users = new Dictionary<string, string> { ["sato"] = "sato-pass", ["suzuki"] = "suzuki-pass", ["tanaka"] = "tanaka-pass" },
        });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Take_GivesEachAccountItsOpenConnection_AndLogsInTheNextOneInLine()
    {
        await using var early = new EarlyLogins(Endpoint(server.MasterPassword), NullLogger.Instance, TimeProvider.System);
        early.Start(["sato", "suzuki", "tanaka"], ahead: 1, CancellationToken.None);

        foreach (var account in new[] { "sato", "suzuki", "tanaka" })
        {
            using var client = await early.TakeAsync(account);

            client.Should().NotBeNull($"{account}'s login was started when the account before it took its own");
            client!.IsAuthenticated.Should().BeTrue();
            await client.DisconnectAsync(true);
        }

        (await early.TakeAsync("sato")).Should().BeNull("each early login is handed out once");
    }

    [Fact]
    public async Task Take_LoginThatWaitedTooLong_IsClosedAndTheAccountConnectsItself()
    {
        var time = new FakeTimeProvider();
        await using var early = new EarlyLogins(Endpoint(server.MasterPassword), NullLogger.Instance, time);
        early.Start(["sato"], ahead: 1, CancellationToken.None);
        await Task.Delay(200);
        time.Advance(EarlyLogins.MaxWait + TimeSpan.FromSeconds(1));

        (await early.TakeAsync("sato")).Should().BeNull();
    }

    [Fact]
    public async Task Take_FailedLogin_GivesNothing_SoTheAccountConnectsAndReportsItself()
    {
        await using var early = new EarlyLogins(Endpoint("not-the-password"), NullLogger.Instance, TimeProvider.System);
        early.Start(["sato", "suzuki"], ahead: 2, CancellationToken.None);

        (await early.TakeAsync("sato")).Should().BeNull();
        (await early.TakeAsync("nobody-started")).Should().BeNull();
    }

    private ImapEndpoint Endpoint(string password) => new()
    {
        Host = server.Host,
        Port = server.Port,
        Security = ImapSecurity.None,
        AdminUser = server.MasterUser,
        AdminPassword = password,
    };
}

using Dxmig.GraphEmulator;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Mail;
using MailKit;
using MailKit.Security;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Dxmig.TestSupport.Tests;

/// <summary>App-only OAuth 2.0 over IMAP as Exchange Online checks it: tokens from the Graph emulator, validated by a
/// real Dovecot through the emulator's introspection endpoint.</summary>
public sealed class ExoImapSandboxTests
{
    private const string Tanaka = "tanaka@pref.example.jp";
    private const string Suzuki = "suzuki@pref.example.jp";

    /// <summary>Dovecot's final refusal (<c>NO [AUTHENTICATIONFAILED]</c>), not its temporary failure
    /// (<c>NO [UNAVAILABLE] Temporary authentication failure</c>) that a client would retry.</summary>
    private const string Refused = "Authentication failed.";

    [Fact]
    public async Task ExchangeToken_XOAuth2_OpensTheMailbox_SelectsInboxAndAppends_DovecotAskedTheEmulator()
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());
        var token = await exo.GetTokenAsync();

        using (var client = await exo.ConnectWithTokenAsync(Tanaka, token))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            await client.Inbox.AppendAsync(new AppendRequest(Message("via XOAUTH2"), MessageFlags.None));
            await client.DisconnectAsync(true);
        }

        using var master = await exo.Dovecot.ConnectAsMasterAsync(Tanaka);
        await master.Inbox.OpenAsync(FolderAccess.ReadOnly);
        (await master.Inbox.GetMessageAsync(0)).Subject.Should().Be("via XOAUTH2");
        emu.Stats.TotalRequests(Operations.ExchangeImapIntrospect).Should().BeGreaterThan(0, "Dovecot validates the token itself, through the introspection endpoint");
        var log = exo.Dovecot.ReadLog();
        log.Should().Contain($"user=<{Tanaka}>, method=XOAUTH2");
        log.Contains(token, StringComparison.Ordinal).Should().BeFalse("a token is a secret: Dovecot's log must not hold it");
    }

    [Fact]
    public async Task ExchangeToken_OAuthBearer_OpensTheMailbox()
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());

        using var client = await exo.ConnectWithTokenAsync(Suzuki, await exo.GetTokenAsync(), oauthBearer: true);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AppendAsync(new AppendRequest(Message("via OAUTHBEARER"), MessageFlags.None));

        client.Inbox.Count.Should().Be(1);
        exo.Dovecot.ReadLog().Should().Contain($"user=<{Suzuki}>, method=OAUTHBEARER");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("emu.never-issued")]
    public async Task UnknownToken_IsRefused(string token)
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());

        var act = () => exo.ConnectWithTokenAsync(Tanaka, token);

        await act.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        // The answer is {"active":false} alone; this Dovecot checks the audience first, which such an answer lacks.
        exo.Dovecot.ReadLog().Should().Contain($"oauth2({Tanaka},127.0.0.1,").And.Contain("oauth2 failed: Introspection failed: Token audience does not include 'https://outlook.office365.com'");
        emu.Stats.TotalRequests(Operations.ExchangeImapIntrospect).Should().Be(1);
    }

    [Fact]
    public async Task TokenOfAnotherTenant_IsRefused_ByDovecotsTenantCheck()
    {
        await using var emu = await StartEmulatorAsync();
        var otherTenantsExchange = DovecotWithUsers() with { OAuth2 = ExoImapSandbox.OAuth2Options(emu) with { TenantId = "0d5a3c1e-7b2f-4e8a-9c6d-1f0e2b3a4c5d" } };
        await using var dovecot = await DovecotServer.StartAsync(otherTenantsExchange);
        var token = await emu.GetAccessTokenAsync(GraphEmulator.GraphEmulator.ExchangeScope);
        using var client = new MailKit.Net.Imap.ImapClient();
        await client.ConnectAsync(dovecot.Host, dovecot.Port, SecureSocketOptions.None);

        var act = () => client.AuthenticateAsync(new SaslMechanismOAuth2(Tanaka, token));

        await act.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        // This Dovecot (Debian's 2.3.19.1) checks active_attribute/active_value (here: tid) while reading the answer.
        dovecot.ReadLog().Should().Contain("oauth2 failed: Introspection failed: Provided token is not valid");
    }

    [Fact]
    public async Task ExpiredToken_IsRefused_AFreshOneWorks()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emu = await StartEmulatorAsync(clock);
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());
        var token = await exo.GetTokenAsync();
        var expiry = emu.ExchangeTokenExpiry(token)!.Value;
        clock.Advance(expiry - clock.GetUtcNow());

        var act = () => exo.ConnectWithTokenAsync(Tanaka, token);

        await act.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        using var fresh = await exo.ConnectWithTokenAsync(Tanaka, await exo.GetTokenAsync());
        fresh.IsAuthenticated.Should().BeTrue();
    }

    [Fact]
    public async Task GraphToken_IsRefused_ByDovecotsAudienceCheck()
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());
        var graphToken = await emu.GetAccessTokenAsync(GraphEmulator.GraphEmulator.GraphScope);

        var act = () => exo.ConnectWithTokenAsync(Tanaka, graphToken);

        await act.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        exo.Dovecot.ReadLog().Should().Contain("Token audience does not include 'https://outlook.office365.com'");
    }

    [Fact]
    public async Task MailboxWithoutFullAccess_IsRefused_AnotherMailboxWorks_AGrantOpensIt()
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());
        var token = await exo.GetTokenAsync();
        emu.RevokeMailboxAccess(Suzuki);

        var refused = () => exo.ConnectWithTokenAsync(Suzuki, token);

        await refused.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        using (var tanaka = await exo.ConnectWithTokenAsync(Tanaka, token))
        {
            tanaka.IsAuthenticated.Should().BeTrue();
        }

        emu.GrantMailboxAccess(Suzuki);
        using var suzuki = await exo.ConnectWithTokenAsync(Suzuki, token);
        suzuki.IsAuthenticated.Should().BeTrue();
    }

    [Fact]
    public async Task MailboxWithoutFullAccessAtStart_IsRefused_WithEitherMechanism()
    {
        await using var emu = await StartEmulatorAsync(withoutAccess: [Suzuki]);
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());
        var token = await exo.GetTokenAsync();

        var xoauth2 = () => exo.ConnectWithTokenAsync(Suzuki, token);
        var oauthBearer = () => exo.ConnectWithTokenAsync(Suzuki, token, oauthBearer: true);

        await xoauth2.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        await oauthBearer.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
    }

    [Fact]
    public async Task PasswordAndMasterLogins_StillWork_APasswordIsNoToken()
    {
        await using var emu = await StartEmulatorAsync();
        await using var exo = await ExoImapSandbox.StartAsync(emu, DovecotWithUsers());

        using var user = await exo.Dovecot.ConnectAsync(Tanaka, "tanaka-pass");
        using var master = await exo.Dovecot.ConnectAsMasterAsync(Suzuki);
        var passwordAsToken = () => exo.ConnectWithTokenAsync(Tanaka, "tanaka-pass");
        var tokenAsPassword = async () => await exo.Dovecot.ConnectAsync(Tanaka, await exo.GetTokenAsync());

        user.IsAuthenticated.Should().BeTrue();
        master.IsAuthenticated.Should().BeTrue();
        await passwordAsToken.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
        await tokenAsPassword.Should().ThrowAsync<AuthenticationException>().WithMessage(Refused);
    }

    private static Task<GraphEmulator.GraphEmulator> StartEmulatorAsync(TimeProvider? clock = null, IReadOnlyList<string>? withoutAccess = null) =>
        GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions
        {
            Users = [Tanaka, Suzuki],
            UsersWithoutMailboxAccess = withoutAccess ?? [],
            TimeProvider = clock ?? TimeProvider.System,
        }, CancellationToken.None);

    private static DovecotOptions DovecotWithUsers() => new()
    {
        Users = new Dictionary<string, string>(StringComparer.Ordinal) { [Tanaka] = "tanaka-pass", [Suzuki] = "suzuki-pass" },
    };

    private static MimeMessage Message(string subject) => new(
        [new MailboxAddress("送信者", "sender@pref.example.jp")],
        [new MailboxAddress("受信者", Tanaka)],
        subject,
        new TextPart("plain") { Text = "本文" });
}

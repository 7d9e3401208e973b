using Dxmig.GraphEmulator;
using Dxmig.Sandbox;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Dxmig.TestSupport.Mail;

/// <summary>
/// Exchange Online's IMAP with app-only OAuth 2.0, sandboxed: a running <see cref="GraphEmulator"/> issues the tokens
/// (scope <see cref="GraphEmulator.ExchangeScope"/>) and a private Dovecot validates them itself through the
/// emulator's introspection endpoint (https, trusting the emulator's certificate), refusing what Exchange refuses: a
/// token that is unknown, expired or revoked, of another tenant or for another resource, and a mailbox the app has no
/// FullAccess on. The emulator's <see cref="GraphEmulator.MailboxAccess"/> is the truth: every change to it (a
/// revocation, a grant, a new user) rewrites Dovecot's FullAccess list at once. The caller owns the emulator; this
/// stops only the Dovecot server.
/// </summary>
public sealed class ExoImapSandbox : IAsyncDisposable
{
    private readonly Lock _gate = new();

    private ExoImapSandbox(GraphEmulator.GraphEmulator emulator, DovecotServer dovecot)
    {
        Emulator = emulator;
        Dovecot = dovecot;
        Emulator.MailboxAccess.Changed += OnAccessChanged;
    }

    public GraphEmulator.GraphEmulator Emulator { get; }

    /// <summary>The Dovecot server; its master user reads what arrived (<see cref="DovecotServer.ConnectAsMasterAsync"/>).</summary>
    public DovecotServer Dovecot { get; }

    /// <summary>
    /// Starts Dovecot with <paramref name="options"/> (users, master user, folders …) and OAuth2 validation against
    /// <paramref name="emulator"/> (<see cref="OAuth2Options"/>; an <see cref="DovecotOptions.OAuth2"/> given is replaced).
    /// Give Dovecot the emulator's UPNs as its users when the master user is to read their mailboxes; a mailbox
    /// opened by token needs no Dovecot user of its own.
    /// </summary>
    public static async Task<ExoImapSandbox> StartAsync(GraphEmulator.GraphEmulator emulator, DovecotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        var dovecot = await DovecotServer.StartAsync((options ?? new DovecotOptions()) with { OAuth2 = OAuth2Options(emulator) });
        return new ExoImapSandbox(emulator, dovecot);
    }

    /// <summary>Dovecot's OAuth2 settings for a running emulator: its introspection URL and certificate, its tenant,
    /// Exchange's audience, and the mailboxes its app has FullAccess on now.</summary>
    public static DovecotOAuth2Options OAuth2Options(GraphEmulator.GraphEmulator emulator)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        return new DovecotOAuth2Options
        {
            IntrospectionUrl = new Uri(emulator.ExchangeIntrospectionUrl),
            CaCertificatePem = emulator.CertificatePem,
            TenantId = emulator.TenantId,
            Audience = GraphEmulator.GraphEmulator.ExchangeResource,
            MailboxesWithAccess = emulator.MailboxAccess.MailboxesWithFullAccess(),
        };
    }

    /// <summary>A token for Exchange Online from the emulator (client secret, the emulator's tenant). Never log it.</summary>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken = default) =>
        Emulator.GetAccessTokenAsync(GraphEmulator.GraphEmulator.ExchangeScope, cancellationToken: cancellationToken);

    /// <summary>A client on Dovecot's plain port authenticated as <paramref name="upn"/> with <paramref name="token"/>
    /// (SASL XOAUTH2, or OAUTHBEARER); the caller disposes it.</summary>
    /// <exception cref="AuthenticationException">Dovecot refused the token for this mailbox.</exception>
    public async Task<ImapClient> ConnectWithTokenAsync(string upn, string token, bool oauthBearer = false, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(Dovecot.Host, Dovecot.Port, SecureSocketOptions.None, cancellationToken);
            SaslMechanism mechanism = oauthBearer ? new SaslMechanismOAuthBearer(upn, token) : new SaslMechanismOAuth2(upn, token);
            await client.AuthenticateAsync(mechanism, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Emulator.MailboxAccess.Changed -= OnAccessChanged;
        await Dovecot.DisposeAsync();
    }

    private void OnAccessChanged(object? sender, EventArgs e)
    {
        // The emulator's revoke or grant is synchronous, and a test logs in right after it: it must not return before
        // Dovecot sees the change (at most a second, see SetOAuth2MailboxAccessAsync). No synchronisation context
        // runs here (xunit, the emulator's callers), so waiting cannot deadlock.
        lock (_gate)
        {
            Dovecot.SetOAuth2MailboxAccessAsync(Emulator.MailboxAccess.MailboxesWithFullAccess()).GetAwaiter().GetResult();
        }
    }
}

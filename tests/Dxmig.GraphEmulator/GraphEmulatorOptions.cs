using System.Security.Cryptography.X509Certificates;

namespace Dxmig.GraphEmulator;

/// <summary>What a <see cref="GraphEmulator"/> starts with. Everything here is read once at start; the run-time knobs are
/// <see cref="GraphEmulator.Throttling"/> and <see cref="GraphEmulator.Faults"/>.</summary>
public sealed class GraphEmulatorOptions
{
    /// <summary>Default tenant id: a fixed GUID so logs and fixtures read the same on every run.</summary>
    public const string DefaultTenantId = "5f3c2a71-0d9e-4b1a-9c55-6a7e2b1d3f40";

    /// <summary>Default application (client) id.</summary>
    public const string DefaultClientId = "0b7d4e2a-61c3-4f8e-a2d9-3c5b7e1f9a26";

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    public string TenantId { get; init; } = DefaultTenantId;

    public string ClientId { get; init; } = DefaultClientId;

    /// <summary>The client secret the token endpoint accepts; null makes a random one (read it from
    /// <see cref="GraphEmulator.ClientSecret"/>).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Users (UPN, also their primary mail address) whose mailboxes exist at start.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Users whose mailbox the app has no Exchange <c>FullAccess</c> on at start (app-only IMAP refuses them);
    /// every other mailbox it has. Changeable later through <see cref="GraphEmulator.MailboxAccess"/>.</summary>
    public IReadOnlyList<string> UsersWithoutMailboxAccess { get; init; } = [];

    /// <summary>The application permissions (app roles) granted to the app with admin consent, e.g. <c>Mail.ReadWrite</c>;
    /// null (the default) grants every one the emulator serves. A token carries the roles granted when it was issued, and
    /// Graph refuses a request none of whose permissions the token holds with 403: <c>ErrorAccessDenied</c> for Outlook
    /// resources (mail, contacts, calendars, rooms), <c>Authorization_RequestDenied</c> for the directory (users, groups),
    /// <c>accessDenied</c> for OneDrive and SharePoint.</summary>
    public IReadOnlyList<string>? AppRoles { get; init; }

    /// <summary>Certificates (public part is enough) whose keys may sign a client_assertion.</summary>
    public IReadOnlyList<X509Certificate2> ClientCertificates { get; init; } = [];

    /// <summary>Lifetime of an issued access token. Entra ID issues 60–90 minutes; tests shorten it to see expiry.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of an attachment upload session (the uploadUrl's own token). Not documented by Graph;
    /// 15 minutes is shorter than what the service has been seen to give, so a client that dawdles fails here first.</summary>
    public TimeSpan UploadSessionLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Exchange Online's message size limit, attachments included (as base64 in MIME): 35 MB by default, as the
    /// createUploadSession documentation says; tenants may raise it to 150 MB.</summary>
    public long MaxMessageBytes { get; init; } = 35L * 1024 * 1024;

    /// <summary>Throttling limits at start (changeable later through <see cref="GraphEmulator.Throttling"/>).</summary>
    public ThrottlingSettings Throttling { get; init; } = new();

    /// <summary>Seed of the fault injector's random numbers, so a probabilistic fault run repeats exactly.</summary>
    public int FaultSeed { get; init; } = 20240401;

    /// <summary>Web apps registered for user sign-in (OpenID Connect authorization code flow with PKCE) at start; more
    /// through <see cref="GraphEmulator.AddWebApp"/>.</summary>
    public IReadOnlyList<Identity.EntraWebApp> WebApps { get; init; } = [];

    /// <summary>Users who can sign in on the emulator's sign-in page at start; more through
    /// <see cref="GraphEmulator.AddSignInUser"/>.</summary>
    public IReadOnlyList<Identity.SignInUser> SignInUsers { get; init; } = [];

    /// <summary>Lifetime of an authorization code. Entra ID's codes "typically expire after about 10 minutes".</summary>
    public TimeSpan AuthorizationCodeLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Clock for tokens, windows and dates; tests may pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

using System.Net;
using Dxmig.Contracts;
using Dxmig.Web.Auth;
using Dxmig.Platform.Scheduling;
using Dxmig.Platform.Storage;

namespace Dxmig.Web;

/// <summary>How the operator console listens, who may sign in and what it reads.</summary>
public sealed class WebConsoleSettings
{
    /// <summary>Where Kestrel listens (<c>https://HOST:PORT</c>; <c>http://</c> only on loopback).</summary>
    public required Uri Listen { get; init; }

    /// <summary>The server certificate (PFX/PKCS#12 or PEM with key) for HTTPS; required unless on loopback.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The certificate file's password (from an environment variable; never printed).</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>Sign-in with Entra ID (OpenID Connect); null when not configured.</summary>
    public EntraSignIn? Entra { get; init; }

    /// <summary>A file of local accounts (name, role, PBKDF2 hash) for a site rehearsing without Entra ID; null when off.</summary>
    public string? LocalAccountsFile { get; init; }

    /// <summary>A bearer token the metrics scraper and health probes send instead of signing in; null when none.</summary>
    public string? ScrapeToken { get; init; }

    public required string JobsDirectory { get; init; }

    /// <summary>The scheduler host's store (audit log, stop requests).</summary>
    public required StoreLocation SchedulerStore { get; init; }

    public required IClosedDays ClosedDays { get; init; }

    public required string Node { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Whether the console listens on a loopback address only.</summary>
    public bool Loopback => Listen.IsLoopback || (IPAddress.TryParse(Listen.Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>The settings' problems in plain words (empty when none).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Listen.Scheme != Uri.UriSchemeHttps && Listen.Scheme != Uri.UriSchemeHttp)
        {
            problems.Add($"コンソールの URL は https:// で指定してください: {Listen} / the console URL must be https://");
        }
        else if (Listen.Scheme == Uri.UriSchemeHttp && !Loopback)
        {
            problems.Add($"ループバック以外では HTTPS が必要です (--console https://… と --console-certificate): {Listen} / outside loopback the console needs HTTPS (--console https://… and --console-certificate)");
        }
        else if (Listen.Scheme == Uri.UriSchemeHttps && CertificatePath is null)
        {
            problems.Add("HTTPS にはサーバー証明書が必要です (--console-certificate FILE) / HTTPS needs a server certificate (--console-certificate FILE)");
        }

        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            problems.Add($"証明書ファイルがありません: {DisplayPath.Of(CertificatePath)} / the certificate file does not exist");
        }

        if (Entra is null && LocalAccountsFile is null)
        {
            problems.Add("サインインの方法がありません: Entra ID (DXMIG_CONSOLE_TENANT, DXMIG_CONSOLE_CLIENT_ID) かローカル アカウント (--console-accounts FILE) を設定してください / no way to sign in: configure Entra ID (DXMIG_CONSOLE_TENANT, DXMIG_CONSOLE_CLIENT_ID) or local accounts (--console-accounts FILE)");
        }

        if (LocalAccountsFile is not null && !File.Exists(LocalAccountsFile))
        {
            problems.Add($"ローカル アカウントのファイルがありません: {DisplayPath.Of(LocalAccountsFile)} / the local accounts file does not exist");
        }

        return problems;
    }
}

/// <summary>Entra ID sign-in: the console's app registration and how its roles map to viewer and operator.</summary>
/// <param name="Authority">The v2.0 authority, <c>https://login.microsoftonline.com/{tenant}/v2.0</c>.</param>
/// <param name="ClientId">The console's application (client) id.</param>
/// <param name="ClientSecret">The app's client secret (from an environment variable; never printed); PKCE is used either way.</param>
/// <param name="AuthorityCertificateSha256">A pinned certificate of the authority (a rehearsal's own identity server); null: the system's trust store.</param>
public sealed record EntraSignIn(string Authority, string ClientId, string? ClientSecret, string? AuthorityCertificateSha256 = null)
{
    /// <summary>The app role value (or group object id) that makes a person a viewer.</summary>
    public string ViewerRole { get; init; } = ConsoleRoles.ViewerAppRole;

    /// <summary>The app role value (or group object id) that makes a person an operator.</summary>
    public string OperatorRole { get; init; } = ConsoleRoles.OperatorAppRole;

    /// <summary>A group object id whose members are viewers (group claims), when the site uses groups.</summary>
    public string? ViewerGroup { get; init; }

    /// <summary>A group object id whose members are operators.</summary>
    public string? OperatorGroup { get; init; }

    public override string ToString() => $"EntraSignIn {{ Authority = {Authority}, ClientId = {ClientId} }}";
}

using System.Collections.Concurrent;

namespace Dxmig.GraphEmulator.Identity;

/// <summary>The web apps and sign-in users of the emulated tenant; changeable while the emulator runs.</summary>
internal sealed class SignInDirectory
{
    private readonly ConcurrentDictionary<string, EntraWebApp> _apps = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SignInUser> _users = new(StringComparer.OrdinalIgnoreCase);

    public SignInDirectory(IEnumerable<EntraWebApp> apps, IEnumerable<SignInUser> users)
    {
        foreach (var app in apps)
        {
            Add(app);
        }

        foreach (var user in users)
        {
            Add(user);
        }
    }

    /// <summary>Registers the app, replacing one with the same client id.</summary>
    public void Add(EntraWebApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(app.ClientId);
        foreach (var uri in app.RedirectUris)
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Fragment.Length > 0)
            {
                throw new ArgumentException($"リダイレクト URI が絶対 URI ではありません / a redirect URI must be an absolute URI without a fragment: '{uri}'", nameof(app));
            }

            // Entra ID takes https redirect URIs, and http ones only for the local machine (localhost, loopback IPs).
            if (parsed.Scheme != Uri.UriSchemeHttps && !(parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback))
            {
                throw new ArgumentException($"リダイレクト URI は https (ループバックのみ http) です / a redirect URI must use https, or http on loopback only: '{uri}'", nameof(app));
            }
        }

        _apps[app.ClientId] = app;
    }

    /// <summary>Adds the user, replacing one with the same user name (to change roles or password).</summary>
    public void Add(SignInUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrWhiteSpace(user.UserName);
        ArgumentException.ThrowIfNullOrEmpty(user.Password);
        _users[user.UserName] = user;
    }

    public EntraWebApp? App(string? clientId) => clientId is not null && _apps.TryGetValue(clientId, out var app) ? app : null;

    public SignInUser? User(string? userName) => userName is not null && _users.TryGetValue(userName.Trim(), out var user) ? user : null;

    public IEnumerable<EntraWebApp> Apps => _apps.Values;
}

using Dxmig.Imap;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Jobs.Common;

/// <summary>Reads an IMAP server section (source or target) of a job file, checked, with every secret by reference.</summary>
public static class ImapEndpointReader
{
    public static readonly string[] Keys =
    [
        "type", "host", "port", "security", "certificate-sha256", "login", "master-separator", "admin-user",
        "admin-password-env", "admin-password-file", "account-passwords-file", "timeout-seconds",
    ];

    private static readonly string[] Securities = ["none", "starttls", "tls"];
    private static readonly string[] Logins = ["master-user", "sasl-authzid", "per-account"];

    /// <summary>
    /// A server logged into with tokens, not passwords (Exchange Online over IMAP): host (a default given), port, TLS
    /// (plain only to loopback) and an optional certificate pin.
    /// </summary>
    public static ImapEndpointSettings? ReadServer(JobSection section, string defaultHost, string pinKey)
    {
        ArgumentNullException.ThrowIfNull(section);
        var host = section.Value("host") is { Length: > 0 } given ? given : defaultHost;
        var security = section.Choice("security", Securities, "tls");
        var port = section.Number("port", 1, 65535) ?? (security == "tls" ? 993 : 143);
        var timeout = section.Number("timeout-seconds", 5, 3600) ?? 120;
        if (security is null)
        {
            return null;
        }

        var endpoint = new ImapEndpoint
        {
            Host = host,
            Port = port,
            Security = security switch { "none" => ImapSecurity.None, "starttls" => ImapSecurity.StartTls, _ => ImapSecurity.Tls },
            PinnedSha256 = section.Value(pinKey) is { Length: > 0 } pin ? pin : null,
            LoginMode = ImapLoginMode.OAuth2,
            Timeout = TimeSpan.FromSeconds(timeout),
        };
        if (endpoint.Security == ImapSecurity.None && !endpoint.IsLoopback)
        {
            section.Diagnostics.Error(section.PositionOf("security"),
                $"security: none (平文) はループバック (127.0.0.1, localhost) にだけ使えます。{host} には tls を使ってください",
                $"security: none (plain text) is allowed only to loopback (127.0.0.1, localhost); use tls for {host}");
        }

        return new ImapEndpointSettings(endpoint, null, null);
    }

    /// <summary>The endpoint without secrets, and the references to resolve at run time.</summary>
    public static ImapEndpointSettings? Read(JobSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var host = section.Value("host", required: true);
        var security = section.Choice("security", Securities, "tls");
        var port = section.Number("port", 1, 65535) ?? (security == "tls" ? 993 : 143);
        var login = section.Choice("login", Logins, "master-user");
        var admin = section.Value("admin-user");
        var adminPassword = section.Secret("admin-password");
        var accountPasswords = section.Value("account-passwords-file") is { } file ? section.ResolvePath(file) : null;
        var timeout = section.Number("timeout-seconds", 5, 3600) ?? 120;
        if (login is "master-user" or "sasl-authzid")
        {
            if (admin is null)
            {
                section.Diagnostics.Error(section.Position, $"'{section.Path}.admin-user' が必要です (ログイン方式 {login})", $"'{section.Path}.admin-user' is required for login {login}");
            }

            if (adminPassword is null)
            {
                section.Diagnostics.Error(section.Position, $"'{section.Path}.admin-password-env' か '-file' が必要です", $"'{section.Path}.admin-password-env' or '-file' is required");
            }
        }
        else if (login == "per-account" && accountPasswords is null)
        {
            section.Diagnostics.Error(section.Position, $"'{section.Path}.account-passwords-file' が必要です (per-account)", $"'{section.Path}.account-passwords-file' is required for per-account login");
        }

        if (host is null || security is null || login is null)
        {
            return null;
        }

        var endpoint = new ImapEndpoint
        {
            Host = host,
            Port = port,
            Security = security switch { "none" => ImapSecurity.None, "starttls" => ImapSecurity.StartTls, _ => ImapSecurity.Tls },
            PinnedSha256 = section.Value("certificate-sha256"),
            LoginMode = login switch { "sasl-authzid" => ImapLoginMode.SaslAuthzid, "per-account" => ImapLoginMode.PerAccount, _ => ImapLoginMode.MasterUser },
            MasterSeparator = section.Value("master-separator") ?? "*",
            AdminUser = admin,
            Timeout = TimeSpan.FromSeconds(timeout),
        };
        if (endpoint.Security == ImapSecurity.None && !endpoint.IsLoopback)
        {
            section.Diagnostics.Error(section.PositionOf("security"),
                $"security: none (平文) はループバック (127.0.0.1, localhost) にだけ使えます。{host} には tls か starttls を使ってください",
                $"security: none (plain text) is allowed only to loopback (127.0.0.1, localhost); use tls or starttls for {host}");
        }

        return new ImapEndpointSettings(endpoint, adminPassword, accountPasswords);
    }
}

/// <summary>An IMAP endpoint as the job file gives it, with its secrets still as references.</summary>
public sealed record ImapEndpointSettings(ImapEndpoint Endpoint, SecretReference? AdminPassword, string? AccountPasswordsFile)
{
    /// <summary>The endpoint with its secrets read (and registered with the log masker).</summary>
    public ImapEndpoint Resolve(Func<string, string?> environment)
    {
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal);
        if (AccountPasswordsFile is not null)
        {
            foreach (var line in File.ReadLines(AccountPasswordsFile))
            {
                var comma = line.IndexOf(',', StringComparison.Ordinal);
                if (comma > 0 && !line.StartsWith('#'))
                {
                    var password = line[(comma + 1)..].Trim();
                    Platform.Logging.SecretMasker.Register(password);
                    passwords[line[..comma].Trim()] = password;
                }
            }
        }

        return Endpoint with { AdminPassword = AdminPassword?.Resolve(environment), AccountPasswords = passwords };
    }
}

using System.Net;

namespace Dxmig.Imap;

/// <summary>
/// One IMAP server and how to log in to its mailboxes. The admin password (and per-account passwords) are resolved
/// from their references at run time and never shown by <see cref="ToString"/>.
/// </summary>
public sealed record ImapEndpoint
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public ImapSecurity Security { get; init; } = ImapSecurity.Tls;

    /// <summary>SHA-256 of the server certificate (hex, colons allowed): when set, only that certificate is accepted.</summary>
    public string? PinnedSha256 { get; init; }

    public ImapLoginMode LoginMode { get; init; } = ImapLoginMode.MasterUser;

    public string MasterSeparator { get; init; } = "*";

    public string? AdminUser { get; init; }

    public string? AdminPassword { get; init; }

    /// <summary>Per-account passwords, for <see cref="ImapLoginMode.PerAccount"/>.</summary>
    public IReadOnlyDictionary<string, string> AccountPasswords { get; init; } = new Dictionary<string, string>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Where access tokens come from, for <see cref="ImapLoginMode.OAuth2"/>.</summary>
    public IImapTokenSource? TokenSource { get; init; }

    /// <summary>Where a person finds it, with no secret.</summary>
    public override string ToString() => $"{Host}:{Port} ({SecurityWords})";

    /// <summary>How the connection is protected, as a person reads it (never the setting's internal name).</summary>
    public string SecurityWords => Security switch
    {
        ImapSecurity.Tls => "TLS",
        ImapSecurity.StartTls => "STARTTLS",
        _ => "暗号化なし / plain",
    };

    /// <summary>True when the host is on this machine (127.0.0.0/8, ::1, localhost): the only place plain IMAP is allowed.</summary>
    public bool IsLoopback => IsLoopbackHost(Host);

    /// <summary>True when the host name or address is on this machine.</summary>
    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}

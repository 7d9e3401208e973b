namespace Dxmig.Jobs.Doctor;

/// <summary>Why a connection to an endpoint failed, as a person acts on it.</summary>
public enum ConnectionFailureKind
{
    /// <summary>Nothing listens at the address (connection refused): the server is down or the port is wrong.</summary>
    Refused,

    /// <summary>The host name does not resolve.</summary>
    Dns,

    /// <summary>No answer in time (a firewall that drops, a server that hangs).</summary>
    Timeout,

    /// <summary>The TLS handshake failed or the certificate was refused (not trusted, or not the pinned one).</summary>
    Tls,

    /// <summary>The server refused the credential (password, secret, certificate, token).</summary>
    Authentication,

    /// <summary>Logged in, but the account or app may not do this (a permission, a role, admin consent).</summary>
    Permission,

    /// <summary>The thing asked for does not exist (a mailbox, a user, a drive, a file).</summary>
    NotFound,

    /// <summary>The job's settings cannot be used as they are (a secret's variable unset, a file unreadable).</summary>
    Configuration,

    /// <summary>Anything else (the message says what).</summary>
    Other,
}

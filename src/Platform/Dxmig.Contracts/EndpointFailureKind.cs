namespace Dxmig.Contracts;

/// <summary>
/// Why a server could not be reached at all, as opposed to one account or one item failing on it: every account that
/// goes to that server fails the same way, so a run stops trying the rest (<c>EndpointCircuit</c>).
/// </summary>
public enum EndpointFailureKind
{
    /// <summary>The connection was refused: nothing listens on that port (the server is down, or a firewall rejects it).</summary>
    Refused,

    /// <summary>The host name is not found in DNS.</summary>
    NameNotFound,

    /// <summary>The TLS handshake failed: the certificate is not trusted (or not the pinned one), or TLS itself failed.</summary>
    Certificate,

    /// <summary>The server refused the admin (master) credential or the app's credential: no account can log in.</summary>
    AdminLoginRefused,

    /// <summary>The connection could not be opened in time (no answer from the host).</summary>
    Timeout,

    /// <summary>The server took the connection and closed it before it greeted (a front end whose server is down, or a connection limit).</summary>
    ClosedOnConnect,
}

namespace Dxmig.Contracts;

/// <summary>
/// An account failed because its server could not be reached or refused the admin credential (<see cref="Kind"/>):
/// the same will happen to every account on that server. Still an <see cref="AccountFailedException"/> (the account is
/// failed with this message); the run's circuit (<c>EndpointCircuit</c>) counts it against <see cref="Endpoint"/>.
/// </summary>
public sealed class EndpointUnreachableException : AccountFailedException
{
    public EndpointUnreachableException(string service, string endpoint, EndpointFailureKind kind, string japanese, string english, Exception innerException)
        : base(japanese, english, innerException)
    {
        Service = service;
        Endpoint = endpoint;
        Kind = kind;
    }

    public EndpointUnreachableException()
    {
    }

    public EndpointUnreachableException(string message)
        : base(message)
    {
    }

    public EndpointUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What the server is, for a person: "IMAP", "Microsoft Graph", "PostgreSQL".</summary>
    public string Service { get; } = string.Empty;

    /// <summary>host:port (or the URL's host and port), with no secret.</summary>
    public string Endpoint { get; } = string.Empty;

    public EndpointFailureKind Kind { get; }
}

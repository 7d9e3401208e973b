namespace Dxmig.Contracts;

/// <summary>A server that could not be reached (or refused the admin credential), and why.</summary>
/// <param name="Kind">The class of failure: the same class on the same server for several accounts opens the circuit.</param>
/// <param name="Service">What the server is ("IMAP", "Microsoft Graph", "PostgreSQL"), or null when the exception does not say.</param>
/// <param name="Endpoint">host:port, or null when the exception does not say.</param>
public sealed record EndpointFault(EndpointFailureKind Kind, string? Service, string? Endpoint);

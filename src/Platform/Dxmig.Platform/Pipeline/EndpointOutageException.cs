namespace Dxmig.Platform.Pipeline;

/// <summary>
/// A reconciliation (or a plan) stopped because a server cannot be reached (<see cref="EndpointCircuit"/> opened):
/// <see cref="Exception.Message"/> is the one plain line (<see cref="EndpointOutage.Message"/>).
/// </summary>
public sealed class EndpointOutageException : Exception
{
    public EndpointOutageException(EndpointOutage outage)
        : base(outage?.Message)
    {
        ArgumentNullException.ThrowIfNull(outage);
        Outage = outage;
    }

    public EndpointOutageException()
    {
    }

    public EndpointOutageException(string message)
        : base(message)
    {
    }

    public EndpointOutageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EndpointOutage? Outage { get; }
}

namespace Dxmig.GraphEmulator.Http;

/// <summary>Thrown by a handler to answer with Graph's error shape.</summary>
internal sealed class GraphErrorException : Exception
{
    public GraphErrorException(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public GraphErrorException()
    {
    }

    public GraphErrorException(string message)
        : base(message)
    {
    }

    public GraphErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; } = 500;

    public string Code { get; } = "generalException";

    /// <summary>Seconds for a Retry-After header, when the error carries one.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static GraphErrorException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>OData's answer to a body it cannot read (unknown property, wrong JSON type).</summary>
    public static GraphErrorException BodyRead(string message) => new(400, "RequestBodyRead", message);

    public static GraphErrorException NotFound(string message) => new(404, "ErrorItemNotFound", message);

    public static GraphErrorException InvalidQuery(string message) => new(400, "ErrorInvalidUrlQuery", message);
}

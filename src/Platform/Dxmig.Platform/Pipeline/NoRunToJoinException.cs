namespace Dxmig.Platform.Pipeline;

/// <summary>A node asked only to join found no open cluster run of the job (it ended, or none was started).</summary>
public sealed class NoRunToJoinException : Exception
{
    public NoRunToJoinException()
    {
    }

    public NoRunToJoinException(string message)
        : base(message)
    {
    }

    public NoRunToJoinException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Dxmig.Contracts;

/// <summary>
/// One account cannot be processed (its export is missing, its login is refused, it is not in the identity map).
/// The account is marked failed with this message; the other accounts of the run go on.
/// </summary>
public class AccountFailedException : Exception
{
    public AccountFailedException(string japanese, string english)
        : base($"{japanese} / {english}")
    {
    }

    public AccountFailedException(string japanese, string english, Exception innerException)
        : base($"{japanese} / {english}", innerException)
    {
    }

    public AccountFailedException()
    {
    }

    public AccountFailedException(string message)
        : base(message)
    {
    }

    public AccountFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

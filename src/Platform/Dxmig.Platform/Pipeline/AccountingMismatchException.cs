namespace Dxmig.Platform.Pipeline;

/// <summary>An account's accounting does not balance, or the ledger disagrees with it: the run fails loudly.</summary>
public sealed class AccountingMismatchException : Exception
{
    public AccountingMismatchException()
    {
    }

    public AccountingMismatchException(string message)
        : base(message)
    {
    }

    public AccountingMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Dxmig.Platform.Ledger;

/// <summary>Another process holds the job's lease: two runs of one job never write at the same time.</summary>
public sealed class JobBusyException : Exception
{
    public JobBusyException()
    {
    }

    public JobBusyException(string message)
        : base(message)
    {
    }

    public JobBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Dxmig.Jobs.Doctor;

/// <summary>What <c>dxmig doctor</c> was asked: how many accounts of the job's list to open, and how long one check may take.</summary>
public sealed record DoctorRequest
{
    public const int DefaultAccounts = 3;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The first N accounts of the account list are opened (read-only) on each mailbox server.</summary>
    public int Accounts { get; init; } = DefaultAccounts;

    /// <summary>Longest wait for one check (a connect, a login, a read) before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
}

namespace Dxmig.Web;

/// <summary>What the console asks of the scheduler host it runs in.</summary>
public interface IConsoleScheduler
{
    /// <summary>
    /// Fires the job now (in a cluster: on whichever node is free). <paramref name="ignoreWindow"/>: an operator confirmed
    /// running outside the job's window. Returns null when fired, else the reason in plain words.
    /// </summary>
    Task<string?> RunNowAsync(string jobPath, bool ignoreWindow, string requestedBy, CancellationToken cancellationToken);

    /// <summary>What <c>dxmig plan JOB</c> prints for the job (it reads the source's sizes: may take a while).</summary>
    Task<string> PlanAsync(string jobPath, CancellationToken cancellationToken);
}

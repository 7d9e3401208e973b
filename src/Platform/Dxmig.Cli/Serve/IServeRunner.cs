namespace Dxmig.Cli.Serve;

/// <summary>Runs one job file once for the scheduler host; returns the run's exit code.</summary>
internal interface IServeRunner
{
    /// <param name="jobPath">The job file.</param>
    /// <param name="joinOnly">Only join the job's open cluster run (start none).</param>
    /// <param name="ignoreWindow">An operator asked for this run outside the job's window (the console's second confirmation).</param>
    /// <param name="stopToken">A shutdown or an operator's stop: the run ends after the batch in hand.</param>
    Task<int> RunAsync(string jobPath, bool joinOnly, bool ignoreWindow, CancellationToken stopToken);
}

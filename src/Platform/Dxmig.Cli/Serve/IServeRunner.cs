namespace Dxmig.Cli.Serve;

/// <summary>Runs one job file once for the scheduler host; returns the run's exit code.</summary>
internal interface IServeRunner
{
    /// <param name="jobPath">The job file.</param>
    /// <param name="joinOnly">Only join the job's open cluster run (start none).</param>
    /// <param name="stopToken">A shutdown: the run ends after the batch in hand.</param>
    Task<int> RunAsync(string jobPath, bool joinOnly, CancellationToken stopToken);
}

namespace Dxmig.Cli.Serve;

/// <summary>Runs one job file once for the scheduler host; returns the run's exit code.</summary>
internal interface IServeRunner
{
    Task<int> RunAsync(string jobPath, CancellationToken stopToken);
}

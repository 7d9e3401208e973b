using Dxmig.Cli.Console;
using Dxmig.Jobs;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The scheduler's runs take the same path as <c>dxmig run JOB</c>: the job layer's <see cref="JobRunner"/> (job
/// reading, run window, ledger lease, pipeline, accounting, after-run reconciliation, alert mail), with plain output to
/// the host's standard output. The stop token is the Quartz job's: a shutdown (SIGTERM) ends the run after the batch in hand.
/// </summary>
internal sealed class JobRunnerServeRunner(CliIo io) : IServeRunner
{
    public Task<int> RunAsync(string jobPath, bool joinOnly, CancellationToken stopToken) =>
        CliJobConsole.RunJobAsync(io, new JobRunOptions(jobPath) { JoinOnly = joinOnly }, stopToken);
}

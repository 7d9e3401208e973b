using Dxmig.Cli.Commands;
using Dxmig.Cli.Console;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The scheduler's runs take the same path as <c>dxmig run JOB</c> (<see cref="RunCommand.ExecuteAsync"/>): the same
/// job reading, ledger lease, pipeline, accounting and summary, with plain output to the host's standard output.
/// The stop token is the Quartz job's: a shutdown (SIGTERM) ends the run after the batch in hand.
/// </summary>
internal sealed class RunCommandRunner(CliIo io) : IServeRunner
{
    public Task<int> RunAsync(string jobPath, CancellationToken stopToken) =>
        RunCommand.ExecuteAsync(io, jobPath, dryRun: false, only: [], stopToken);
}

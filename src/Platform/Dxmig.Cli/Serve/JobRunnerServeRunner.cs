using Dxmig.Cli.Console;
using Dxmig.Jobs;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The scheduler's runs take the same path as <c>dxmig run JOB</c>: the job layer's <see cref="JobRunner"/> (job
/// reading, run window, ledger lease, pipeline, accounting, after-run reconciliation, alert mail), with plain output to
/// the host's standard output. The stop token is the Quartz job's: a shutdown (SIGTERM) ends the run after the batch in hand.
/// </summary>
internal sealed class JobRunnerServeRunner(CliIo io, Dxmig.Web.Live.LiveRuns? live = null, string? node = null) : IServeRunner
{
    public Task<int> RunAsync(string jobPath, bool joinOnly, bool ignoreWindow, CancellationToken stopToken)
    {
        var options = new JobRunOptions(jobPath) { JoinOnly = joinOnly, IgnoreWindow = ignoreWindow };
        IJobConsole console = new CliJobConsole(io);
        if (live is not null)
        {
            // The operator console's live view watches this node's runs through their progress observer.
            var name = JobLoader.Load(jobPath, new Contracts.DiagnosticBag(), io.Environment, Platform.JobFiles.JobUse.History)?.File.Name
                ?? Path.GetFileNameWithoutExtension(jobPath);
            console = new LiveJobConsole(console, live, name, node ?? Environment.MachineName);
        }

        return new JobRunner(io.Environment, io.Time).RunAsync(options, console, stopToken);
    }
}

using Dxmig.Cli.Console;
using Dxmig.Jobs;

namespace Dxmig.Demo;

/// <summary>The demo's runs take the same path as <c>dxmig run JOB</c>: the job layer's <see cref="JobRunner"/>, shown on the demo's console.</summary>
internal static class DemoRuns
{
    public static Task<int> RunAsync(CliIo io, string jobPath, CancellationToken stopToken) =>
        new JobRunner(io.Environment, io.Time).RunAsync(new JobRunOptions(jobPath), new CliJobConsole(io), stopToken);
}

using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary>The shared job workspaces (Dxmig.TestSupport.Jobs) driven through <c>dxmig</c>.</summary>
internal static class HarnessCommandLine
{
    extension(MailRunHarness mail)
    {
        /// <summary><c>dxmig</c> over the harness's workspace.</summary>
        public CliHarness Cli => new(mail.Workspace);

        /// <summary><c>dxmig run</c> of the example job, with <paramref name="extra"/> arguments.</summary>
        public Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] extra) => mail.Cli.RunAsync(["run", MailRunHarness.Job, .. extra]);
    }

    extension(MailGraphHarness mail)
    {
        /// <summary><c>dxmig</c> over the harness's workspace.</summary>
        public CliHarness Cli => new(mail.Workspace);

        /// <summary><c>dxmig run</c> of the example job, with <paramref name="extra"/> arguments.</summary>
        public Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] extra) => mail.Cli.RunAsync(["run", MailGraphHarness.Job, .. extra]);
    }

    extension(ExoImapHarness mail)
    {
        /// <summary><c>dxmig</c> over the harness's workspace.</summary>
        public CliHarness Cli => new(mail.Workspace);

        /// <summary><c>dxmig run</c> of the example job, with <paramref name="extra"/> arguments.</summary>
        public Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] extra) => mail.Cli.RunAsync(["run", ExoImapHarness.Job, .. extra]);
    }
}

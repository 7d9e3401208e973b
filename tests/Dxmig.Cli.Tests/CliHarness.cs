using Dxmig.Cli.Console;
using Dxmig.Platform.Ledger;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig</c> over a <see cref="JobWorkspace"/> (its folder, environment and clock): in-process through
/// <see cref="CliApp"/>, or as its own process (<c>dotnet dxmig.dll</c>).
/// </summary>
public sealed class CliHarness(JobWorkspace? shared = null) : IDisposable
{
    private readonly bool owned = shared is null;

    public JobWorkspace Workspace { get; } = shared ?? new JobWorkspace();

    public string Folder => Workspace.Folder;

    public string Exports => Workspace.Exports;

    public string Ledger => Workspace.Ledger;

    public string Store => Workspace.Store;

    public Dictionary<string, string> Environment => Workspace.Environment;

    /// <summary>The clock the in-process CLI sees (a fake one moves run windows without sleeping).</summary>
    public TimeProvider Time
    {
        get => Workspace.Time;
        set => Workspace.Time = value;
    }

    internal Sandbox.Samples.SampleSet Samples(int accounts, int minRows = 40, int maxRows = 120) => Workspace.Samples(accounts, minRows, maxRows);

    public string JobFile(int batchSize = 200, int parallelism = 4, string extra = "") => Workspace.JobFile(batchSize, parallelism, extra);

    public string Write(string name, string text) => Workspace.Write(name, text);

    public Task<int> CountContactsAsync() => Workspace.CountContactsAsync();

    public Task<Dictionary<ItemState, int>> LedgerStatesAsync() => Workspace.LedgerStatesAsync();

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIo(output, error, interactive: false, Workspace.Variable, Time);
        SecretScan.RegisterVariables(Environment);
        // The demo build's command line (the product's commands and demo), as ./dxmig demo runs it.
        var code = await CliApp.RunAsync(args, io, () => CancellationToken.None, Dxmig.Demo.DemoCommand.Create);
        SecretScan.KeepText("cli", output.ToString() + error.ToString());
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>dxmig run JOB</c> as its own process (so that it can be killed) with this harness's environment.</summary>
    public System.Diagnostics.Process StartChild(string job) => StartChildCapturing(job).Process;

    /// <summary><see cref="StartChild"/>, keeping what the process writes to stdout and stderr.</summary>
    public (System.Diagnostics.Process Process, Task<string> Output, Task<string> Error) StartChildCapturing(string job)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(RepoPaths.DxmigDll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add(job);
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        SecretScan.RegisterVariables(Environment);
        var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        _ = output.ContinueWith(t => SecretScan.KeepText("cli-child", t.Result), TaskScheduler.Default);
        _ = error.ContinueWith(t => SecretScan.KeepText("cli-child", t.Result), TaskScheduler.Default);
        return (process, output, error);
    }

    public Task WaitForLoadedAsync(int minimumLoaded, System.Diagnostics.Process? process) => Workspace.WaitForLoadedAsync(minimumLoaded, process);

    public void Dispose()
    {
        if (owned)
        {
            Workspace.Dispose();
        }
    }
}

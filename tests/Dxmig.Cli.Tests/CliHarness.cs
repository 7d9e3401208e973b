using Dxmig.Cli.Console;
using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Dxmig.Contracts.Text;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Cli.Tests;

/// <summary>A folder with sample exports and a job file, and dxmig run in-process or as its own process.</summary>
public sealed class CliHarness : IDisposable
{
    private readonly TempFolder temp = new("dxmig-cli");

    public CliHarness() => JapaneseEncodings.EnsureRegistered();

    public string Folder => temp.Path;

    public string Exports => temp.File("exports");

    public string Ledger => temp.File("state/ledger.db");

    public string Store => temp.File("state/platform.db");

    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>The clock the in-process CLI sees (a fake one moves run windows without sleeping).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    internal SampleSet Samples(int accounts, int minRows = 40, int maxRows = 120) =>
        AddressBookSamples.Write(Exports, [.. Enumerable.Range(0, accounts).Select(i => $"user{i:000}")], seed: 7, minRows, maxRows);

    public string JobFile(int batchSize = 200, int parallelism = 4, string extra = "")
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        return temp.Write("jobs/addressbook.yaml", $"""
            name: test-addressbook
            kind: addressbook
            source:
              type: activemail-addressbook-csv
              directory: ../exports
              encoding: auto
            target:
              type: platform-contacts
              store: ../state/platform.db
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/activemail-addressbook-fields.yaml
              gaiji: {mappings}/gaiji.csv
            options:
              parallelism: {parallelism}
              batch-size: {batchSize}
            logging:
              folder: ../logs
            {extra}
            """);
    }

    public string Write(string name, string text) => temp.Write(name, text);

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIo(output, error, interactive: false, name => Environment.TryGetValue(name, out var v) ? v : null, Time);
        SecretScan.RegisterVariables(Environment);
        // The demo build's command line (the product's commands and demo), as ./dxmig demo runs it.
        var code = await CliApp.RunAsync(args, io, () => CancellationToken.None, Dxmig.Demo.DemoCommand.Create);
        SecretScan.KeepText("cli", output.ToString() + error.ToString());
        return (code, output.ToString(), error.ToString());
    }

    public async Task<int> CountContactsAsync()
    {
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Contacts.CountAsync();
    }

    public async Task<List<ContactEntity>> ContactsAsync(System.Linq.Expressions.Expression<Func<ContactEntity, bool>> where)
    {
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Contacts.Where(where).ToListAsync();
    }

    public async Task<Dictionary<ItemState, int>> LedgerStatesAsync()
    {
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(Ledger, "/")));
        return await db.Items.GroupBy(i => i.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count);
    }

    /// <summary>Every ledger row (state, reason code and message, location, target key).</summary>
    public async Task<List<LedgerItem>> LedgerItemsAsync()
    {
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(Ledger, "/")));
        return await db.Items.AsNoTracking().ToListAsync();
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

    /// <summary>Waits until the ledger holds at least this many loaded items (or the process ended first: an error).</summary>
    public async Task WaitForLoadedAsync(int minimumLoaded, System.Diagnostics.Process? process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline && process?.HasExited != true)
        {
            try
            {
                var states = await LedgerStatesAsync();
                if (states.TryGetValue(ItemState.Loaded, out var loaded) && loaded >= minimumLoaded)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
            {
                // Not created yet.
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the run never got far enough to be stopped mid-run, or ended first");
    }

    public void Dispose() => temp.Dispose();
}

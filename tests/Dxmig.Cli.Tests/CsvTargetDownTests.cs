using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// A CSV job whose target is a remote server that is down (the PostgreSQL platform store on a closed port): one
/// failure naming the server, exit 2 in seconds, no quarantine entry per row, nothing marked done, no "balanced"; and
/// <c>plan</c> of a job whose export is missing prints no estimate.
/// </summary>
public sealed class CsvTargetDownTests(ITestOutputHelper log) : IDisposable
{
    private static readonly int StorePort = ClosedPort();

    private readonly StaffHarness staff = new(
        $"Host=127.0.0.1;Port={StorePort.ToString(CultureInfo.InvariantCulture)};Database=dxmig;Username=dxmig;SSL Mode=Disable");

    public void Dispose() => staff.Dispose();

    [Fact]
    public async Task Run_StaffStoreDown_OneFailureNamingTheServer_NoQuarantineFlood_ExitTwo()
    {
        staff.Workspace.Environment["DXMIG_REPO"] = staff.Workspace.Folder;
        staff.Generate(new StaffSampleOptions(300));

        var watch = Stopwatch.StartNew();
        var (code, output, error) = await new CliHarness(staff.Workspace).RunAsync("run", staff.JobFile());
        watch.Stop();
        var text = output + error;
        log.WriteLine($"store down: exit {code} in {watch.Elapsed.TotalSeconds:0.0} s\n{text}");

        code.Should().Be(ExitCodes.Failed, text);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
        var flat = Regex.Replace(text, @"\s+", " ");
        var server = "PostgreSQL 127.0.0.1:" + StorePort.ToString(CultureInfo.InvariantCulture);
        flat.Should().Contain(Regex.Replace(EndpointFailure.Describe(null, new EndpointFault(EndpointFailureKind.Refused, "PostgreSQL", server[11..])), @"\s+", " "));
        Regex.Matches(flat, Regex.Escape(server + " に接続できません")).Should().HaveCount(1, "the server is named once");
        flat.Should().NotContain("balanced").And.NotContain("一致 /").And.NotContain("unexpected error");
        var items = File.Exists(staff.Workspace.Ledger) ? await staff.Workspace.LedgerItemsAsync() : [];
        items.Should().NotContain(i => i.State == ItemState.Quarantined || i.State == ItemState.Loaded, "no row is quarantined or marked done for a server never reached");
    }

    /// <summary>Already so before the circuit (the job file's check names the missing file): kept so that it stays so.</summary>
    [Fact]
    public async Task Plan_ExportMissing_NoEstimate_ExitTwo()
    {
        staff.Workspace.Environment["DXMIG_REPO"] = staff.Workspace.Folder;
        staff.Generate(new StaffSampleOptions(4));
        var job = staff.JobFile();
        File.Delete(staff.Export);

        var (code, output, error) = await new CliHarness(staff.Workspace).RunAsync("plan", job);
        log.WriteLine(output + error);

        code.Should().Be(ExitCodes.Failed, output + error);
        (output + error).Should().Contain("does not exist").And.NotContain("windows needed").And.NotContain("total:");
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

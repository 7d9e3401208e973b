using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig plan</c> on a CESS job (sized by its export's rows and bytes), not only mail and address books.</summary>
public sealed class PlanCessStaffTests : IDisposable
{
    private readonly StaffHarness staff = new();

    public void Dispose() => staff.Dispose();

    [Fact]
    public async Task Plan_CessStaffJob_PrintsTheExportsRowsAndExits0()
    {
        staff.Workspace.Environment["DXMIG_REPO"] = staff.Workspace.Folder;
        staff.Generate(new StaffSampleOptions(4));
        File.WriteAllText(staff.Export, $"\uFEFF{StaffSamples.Header}\r\nS1,\"二行の\r\n名前\"\r\nS2,佐藤\r\n");

        var (code, output, error) = await new CliHarness(staff.Workspace).RunAsync("plan", staff.JobFile());

        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("(cess-staff → platform-staff)");
        var row = output.Split('\n').Single(l => l.StartsWith("cess\t", StringComparison.Ordinal));
        row.Split('\t')[1..3].Should().Equal("1", "2");
        row.Should().Contain("CSV");
        output.Should().Contain("platform store: assumed").And.Contain("none (always open)").And.Contain("windows needed: 1");
        error.Should().BeEmpty();
    }
}

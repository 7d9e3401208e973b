using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dxmig.TestSupport;

namespace Dxmig.Cli.Tests;

/// <summary>
/// The borders of the design, checked on the built assemblies: the product carries no sandbox, emulator or demo; the
/// shell holds no job kind or reconciler; transformers stay pure; no production assembly opens its internals to another.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Production =
        ["Dxmig.Contracts", "Dxmig.Imap", "Dxmig.Platform", "Dxmig.Extractors", "Dxmig.Transformers", "Dxmig.Loaders", "Dxmig.Jobs", "dxmig"];

    [Fact]
    public void TheProductsDependencies_HoldNoSandboxEmulatorOrDemo()
    {
        // dxmig.deps.json is what `dotnet publish src/Platform/Dxmig.Cli` copies: every library the product ships.
        var deps = Path.ChangeExtension(RepoPaths.DxmigDll, ".deps.json");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();

        libraries.Should().Contain("Dxmig.Jobs").And.Contain("Dxmig.Loaders");
        libraries.Should().NotContain(l => l.Contains("Sandbox", StringComparison.OrdinalIgnoreCase)
            || l.Contains("Emulator", StringComparison.OrdinalIgnoreCase)
            || l.Contains("Demo", StringComparison.OrdinalIgnoreCase)
            || l.Contains("TestSupport", StringComparison.OrdinalIgnoreCase));
        // ASP.NET Core is in the product for the operator console only (Dxmig.Web, hosted by the shell's serve): the job
        // layer and everything under it stay free of it, so a job never depends on a web server.
        File.ReadAllText(Path.ChangeExtension(RepoPaths.DxmigDll, ".runtimeconfig.json")).Should().Contain("Microsoft.AspNetCore.App");
        foreach (var name in new[] { "Dxmig.Jobs", "Dxmig.Platform", "Dxmig.Contracts", "Dxmig.Imap", "Dxmig.Loaders", "Dxmig.Extractors", "Dxmig.Transformers" })
        {
            Load(name).GetReferencedAssemblies().Select(a => a.Name!).Should().NotContain(
                r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r == "Dxmig.Web", $"{name} must not depend on the web console");
        }

        Load("Dxmig.Web").GetReferencedAssemblies().Select(a => a.Name!).Should().NotContain(r => r == "dxmig" || r.Contains("Sandbox", StringComparison.Ordinal),
            "the console is hosted by the shell, never the other way round");
    }

    [Fact]
    public void TheShell_HoldsNoJobKindReconcilerOrDemo()
    {
        var cli = Load("dxmig");
        var offending = cli.GetTypes()
            .Where(t => t.GetInterfaces().Any(i => i.FullName is "Dxmig.Jobs.IJobKind" or "Dxmig.Platform.Reconciliation.IReconciler")
                || t.Namespace?.Contains("Demo", StringComparison.Ordinal) == true
                || t.Namespace?.Contains("Kinds", StringComparison.Ordinal) == true)
            .Select(t => t.FullName)
            .ToList();

        offending.Should().BeEmpty();
        cli.GetReferencedAssemblies().Select(a => a.Name).Should().Contain("Dxmig.Jobs").And.NotContain(["Dxmig.Sandbox", "Dxmig.GraphEmulator"]);
    }

    [Fact]
    public void Transformers_DependOnlyOnRecordsAndContracts()
    {
        var references = Load("Dxmig.Transformers").GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.Should().Contain("Dxmig.Contracts");
        references.Should().NotContain(r => r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            || r.StartsWith("Npgsql", StringComparison.Ordinal)
            || r.StartsWith("Quartz", StringComparison.Ordinal)
            || r.StartsWith("NLog", StringComparison.Ordinal)
            || r.StartsWith("Dxmig.Platform", StringComparison.Ordinal)
            || r.StartsWith("Dxmig.Loaders", StringComparison.Ordinal)
            || r.StartsWith("Dxmig.Extractors", StringComparison.Ordinal));
        Load("Dxmig.Contracts").GetReferencedAssemblies().Select(a => a.Name!)
            .Should().NotContain(r => r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal)
                || r.StartsWith("Quartz", StringComparison.Ordinal) || r.StartsWith("NLog", StringComparison.Ordinal));
    }

    [Fact]
    public void NoProductionAssembly_OpensItsInternalsToAnotherProductionAssembly()
    {
        var opened = Production
            .SelectMany(name => Load(name).GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => (name, a.AssemblyName)))
            .Where(p => !p.AssemblyName.EndsWith(".Tests", StringComparison.Ordinal))
            .ToList();

        opened.Should().BeEmpty();
    }

    [Fact]
    public void EveryJobKind_LivesInTheJobLayer_InAFolderOfItsOwn()
    {
        var kinds = Jobs.JobKinds.All.Values.Select(k => k.GetType()).ToList();

        kinds.Should().HaveCount(8);
        kinds.Should().OnlyContain(t => t.Assembly.GetName().Name == "Dxmig.Jobs" && t.Namespace!.StartsWith("Dxmig.Jobs.", StringComparison.Ordinal));
        kinds.Select(t => t.Namespace).Distinct().Should().HaveCount(7, "calendar kinds (schedules, facilities) share one folder");
    }

    [Fact]
    public async Task TheProduct_AskedForTheDemo_SaysWhereItIs_AndTheDemoBuildRunsIt()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new Console.CliIo(output, error, interactive: false, _ => null, TimeProvider.System);

        var code = await CliApp.RunAsync(["demo"], io, () => CancellationToken.None);

        code.Should().Be(2);
        error.ToString().Should().Contain("./dxmig demo").And.NotContain("Unrecognized");
        CliApp.Build(io, () => CancellationToken.None).Subcommands.Single(c => c.Name == "demo").Hidden.Should().BeTrue();
        CliApp.Build(io, () => CancellationToken.None, Demo.DemoCommand.Create).Subcommands.Where(c => c.Name == "demo")
            .Should().ContainSingle().Which.Hidden.Should().BeFalse();
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));
}

using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Mobile;

/// <summary>A staff directory (cess-staff job) and mobile-work samples in a temp folder, with the job files that read them.</summary>
public sealed class MobileHarness : IDisposable
{
    public MobileHarness(string? store = null) => Store = store ?? "../state/platform.db";

    public JobWorkspace Workspace { get; } = new();

    /// <summary>The job layer over <see cref="Workspace"/>.</summary>
    public JobLayer Layer => new(Workspace);

    /// <summary>The store as the job files name it (a SQLite path relative to jobs/, or a PostgreSQL URL).</summary>
    public string Store { get; }

    public string Logs => Path.Combine(Workspace.Folder, "logs");

    private static string Mappings => RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);

    public void Dispose() => Workspace.Dispose();

    /// <summary>Loads <paramref name="people"/> staff into the store through the cess-staff job; returns the job's exit code.</summary>
    public async Task<int> LoadStaffAsync(int people)
    {
        Sandbox.Samples.StaffSamples.Write(Path.Combine(Workspace.Exports, "staff.csv"), Path.Combine(Workspace.Exports, "identity.csv"), new Sandbox.Samples.StaffSampleOptions(people));
        var job = Workspace.Write("jobs/staff.yaml", $"""
            name: staff
            kind: cess-staff
            ledger: ../state/ledger.db
            target:
              store: {Store}
              type: platform-staff
            source:
              file: ../exports/staff.csv
              type: cess-staff-csv
            mappings:
              departments: {Mappings}/cess-departments.csv
              identity: ../exports/identity.csv
            logging:
              folder: ../logs
            """);
        var run = await Layer.RunAsync(job);
        return run.ExitCode == 0 ? run.ExitCode : throw new InvalidOperationException(run.Explain);
    }

    /// <summary>The devices job; with <paramref name="intune"/>, the BETA Intune import on, against that emulator.</summary>
    public string DevicesJob(GraphEmulator.GraphEmulator? intune = null)
    {
        var beta = string.Empty;
        if (intune is not null)
        {
            Workspace.Environment["DXMIG_GRAPH_SECRET"] = intune.ClientSecret;
            beta = "\n  intune-import:\n    enabled: true\n    " + GraphTargetYaml.For(intune, "DXMIG_GRAPH_SECRET", "    ")["type: graph\n    ".Length..];
        }

        return DevicesJobText(beta);
    }

    private string DevicesJobText(string beta) => Workspace.Write("jobs/mobile.yaml", $"""
        name: mobile
        kind: mobile-devices
        source:
          type: mobile-work-csv
          devices: ../exports/devices.csv
          permissions: [../exports/telework-mobile.csv, ../exports/telework-home.csv]
        target:
          type: platform-store
          store: {Store}{beta}
        ledger: ../state/ledger.db
        mappings:
          device-fields: {Mappings}/mobile-device-fields.yaml
          permission-fields: {Mappings}/telework-permission-fields.yaml
          groups: {Mappings}/telework-groups.yaml
        logging:
          folder: ../logs
        """);

    public string GroupsJob(GraphEmulator.GraphEmulator graph, int threshold = 500)
    {
        Workspace.Environment["DXMIG_GRAPH_SECRET"] = graph.ClientSecret;
        return Workspace.Write("jobs/groups.yaml", $"""
            name: groups
            kind: telework-groups
            source:
              type: telework-permission-csv
              files: [../exports/telework-mobile.csv, ../exports/telework-home.csv]
            target:
              {GraphTargetYaml.For(graph, "DXMIG_GRAPH_SECRET", "  ")}
              delete-threshold: {threshold}
              replication-wait-seconds: 30
            ledger: ../state/ledger.db
            mappings:
              groups: {Mappings}/telework-groups.yaml
              departments: {Mappings}/cess-departments.csv
              identity: ../exports/identity.csv
            logging:
              folder: ../logs
            """);
    }

    public MobileDbContext Db() => new(StoreContextFactory.CreateOptions<MobileDbContext>(
        StoreLocation.Parse(StoreLocation.LooksLikePostgres(Store) ? Store : Path.Combine(Workspace.Folder, "state", "platform.db"), "/")));

    /// <summary>The lines of the last conflicts list (header first).</summary>
    public string[] Conflicts() =>
        File.ReadAllLines(Directory.GetFiles(Logs, "conflicts-*.csv", SearchOption.AllDirectories).OrderBy(File.GetLastWriteTimeUtc).Last());

    public async Task<List<DeviceAssignmentEntity>> AssignmentsAsync(string asset)
    {
        await using var db = Db();
        return await db.DeviceAssignments.Where(a => a.AssetNumber == asset).OrderBy(a => a.Id).ToListAsync();
    }
}

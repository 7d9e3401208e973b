using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.TestSupport.Jobs;

/// <summary>A CESS staff-directory export, its identity map, a <c>cess-staff</c> job file and the store it loads.</summary>
public sealed class StaffHarness : IDisposable
{
    private readonly JobWorkspace workspace = new();

    public StaffHarness(string? store = null) => Store = store ?? workspace.Write("state/.keep", string.Empty).Replace(".keep", "platform.db", StringComparison.Ordinal);

    public string Store { get; }

    public string Export => Path.Combine(workspace.Folder, "exports", "staff.csv");

    public string Identity => Path.Combine(workspace.Folder, "exports", "identity.csv");

    public string Logs => Path.Combine(workspace.Folder, "logs", "test-staff");

    public int Generate(StaffSampleOptions options) => StaffSamples.Write(Export, Identity, options);

    public string JobFile(string extraTarget = "")
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        return workspace.Write("jobs/staff.yaml", $"""
            name: test-staff
            kind: cess-staff
            source:
              type: cess-staff-csv
              file: ../exports/staff.csv
            target:
              type: platform-staff
              store: "{Store}"
            {extraTarget}
            ledger: ../state/ledger.db
            mappings:
              fields: {mappings}/cess-staff-fields.yaml
              departments: {mappings}/cess-departments.csv
              identity: ../exports/identity.csv
              gaiji: {mappings}/gaiji.csv
            options:
              batch-size: 500
            logging:
              folder: ../logs
            """);
    }

    /// <summary>Where the job runs: its environment and clock.</summary>
    public JobWorkspace Workspace => workspace;

    public async Task<List<StaffEntity>> StaffAsync()
    {
        await using var db = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Staff.AsNoTracking().OrderBy(s => s.EmployeeId).ToListAsync();
    }

    public async Task<int> DepartmentCountAsync()
    {
        await using var db = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(StoreLocation.Parse(Store, "/")));
        return await db.Departments.CountAsync();
    }

    public void Dispose() => workspace.Dispose();
}

using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Storage;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Cess.Calendar;

/// <summary>CESS schedule and reservation exports, the identity map and facility table, <c>cess-schedules</c> /
/// <c>cess-facilities</c> job files, and the store they load.</summary>
public sealed class CalendarHarness : IDisposable
{
    private readonly JobWorkspace cli = new();

    public CalendarHarness(string? store = null) => Store = store ?? cli.Write("state/.keep", string.Empty).Replace(".keep", "platform.db", StringComparison.Ordinal);

    public string Store { get; }

    public string Folder => cli.Folder;

    public IDictionary<string, string> Environment => cli.Environment;

    public string Schedules => Path.Combine(cli.Folder, "exports", "schedules.csv");

    public string Reservations => Path.Combine(cli.Folder, "exports", "reservations.csv");

    public string Logs(string job) => Path.Combine(cli.Folder, "logs", job);

    internal int GenerateSchedules(CalendarSampleOptions options)
    {
        WriteMappings(options.People);
        return CalendarSamples.WriteSchedules(Schedules, options);
    }

    internal int GenerateReservations(CalendarSampleOptions options)
    {
        WriteMappings(options.People);
        return CalendarSamples.WriteReservations(Reservations, options);
    }

    /// <summary>A job file; <paramref name="target"/> replaces the platform-store target (for a Graph one).</summary>
    public string JobFile(string kind, string? target = null, string extraTarget = "")
    {
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        var schedules = kind == "cess-schedules";
        var name = schedules ? "test-schedules" : "test-facilities";
        target ??= $"""
              type: platform-calendar
              store: "{Store}"
            """;
        return cli.Write($"jobs/{name}.yaml", $"""
            name: {name}
            kind: {kind}
            source:
              type: {kind}-csv
              file: ../exports/{(schedules ? "schedules" : "reservations")}.csv
            target:
            {target}
            {extraTarget}
            ledger: ../state/ledger-{name}.db
            mappings:
              fields: {mappings}/{(schedules ? "cess-schedule-fields.yaml" : "cess-reservation-fields.yaml")}
              identity: ../exports/identity.csv
              {(schedules ? "gaiji: " + mappings + "/gaiji.csv" : "facilities: ../exports/facilities.csv")}
            options:
              batch-size: 200
            logging:
              folder: ../logs
            """);
    }

    /// <summary>The folder, environment and clock the jobs run with.</summary>
    public JobWorkspace Workspace => cli;

    /// <summary><see cref="JobLayer.RunAsync"/> over this harness's workspace.</summary>
    public Task<JobRun> RunAsync(string job, string? confirmDeletes = null) => new JobLayer(cli).RunAsync(job, confirmDeletes: confirmDeletes);

    /// <summary><see cref="JobLayer.ReconcileAsync"/> over this harness's workspace.</summary>
    public Task<JobReconciliation> ReconcileAsync(string job, string? output = null) => new JobLayer(cli).ReconcileAsync(job, output);

    public async Task<List<ScheduleEntity>> SchedulesAsync()
    {
        await using var db = Context();
        return await db.Schedules.AsNoTracking().OrderBy(s => s.ScheduleId).ToListAsync();
    }

    public async Task<List<ReservationEntity>> ReservationsAsync()
    {
        await using var db = Context();
        return await db.Reservations.AsNoTracking().OrderBy(s => s.ReservationId).ToListAsync();
    }

    public async Task<int> FacilityCountAsync()
    {
        await using var db = Context();
        return await db.Facilities.CountAsync();
    }

    public void Dispose() => cli.Dispose();

    private CalendarDbContext Context() => new(StoreContextFactory.CreateOptions<CalendarDbContext>(StoreLocation.Parse(Store, "/")));

    private void WriteMappings(int people) =>
        CalendarSamples.WriteMappings(Path.Combine(cli.Folder, "exports", "identity.csv"), Path.Combine(cli.Folder, "exports", "facilities.csv"), people);
}

using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Pipeline;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Cess.Staff;

/// <summary><c>kind: cess-staff</c> end to end on SQLite: load, no-change re-run, changed and removed rows, the deletion threshold.</summary>
public sealed class StaffRunTests : IDisposable
{
    private readonly StaffHarness staff;
    private readonly JobLayer jobs;

    public StaffRunTests()
    {
        staff = new StaffHarness();
        jobs = new JobLayer(staff.Workspace);
    }

    public void Dispose() => staff.Dispose();

    [Fact]
    public async Task Run_Cp932ExportWithBadRows_LoadsGoodRowsAndQuarantinesEachBadOne()
    {
        var expected = staff.Generate(new StaffSampleOptions(40, Cp932: true, Planted: true));
        var job = staff.JobFile();

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Quarantined.Should().Be(StaffSamples.PlantedQuarantined);
        run.Quarantined.Should().Contain(i => (i.Location ?? i.NativeId).Contains("staff.csv:", StringComparison.Ordinal));
        var rows = await staff.StaffAsync();
        rows.Should().HaveCount(expected);
        rows.Single(r => r.EmployeeId == StaffSamples.EmployeeId(2)).Name.Should().Be("\uE000橋　一郎");
        rows.Single(r => r.EmployeeId == StaffSamples.EmployeeId(2)).Gaiji.Should().Be("U+E000");
        rows.Single(r => r.EmployeeId == StaffSamples.EmployeeId(0)).StartDate.Should().Be("2020-04-01", "令和2年4月1日");
        (await staff.DepartmentCountAsync()).Should().Be(12);
    }

    [Fact]
    public async Task Run_Twice_ThenChangedAndRemovedRows_WritesOnlyTheDifference()
    {
        var expected = staff.Generate(new StaffSampleOptions(30, Cp932: false));
        var job = staff.JobFile();
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        var first = await staff.StaffAsync();
        first.Should().HaveCount(expected);

        var again = await jobs.RunAsync(job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.AlreadyDone.Should().Be(expected);
        (await staff.StaffAsync()).Select(r => (r.EmployeeId, r.UpdatedUtc)).Should().Equal(first.Select(r => (r.EmployeeId, r.UpdatedUtc)));

        staff.Generate(new StaffSampleOptions(30, Cp932: false) { Changed = new HashSet<int> { 5 }, Removed = new HashSet<int> { 7 } });
        var diff = await jobs.RunAsync(job);
        diff.ExitCode.Should().Be(ExitCodes.Success, diff.Explain);
        var after = await staff.StaffAsync();
        after.Should().HaveCount(expected - 1);
        after.Should().NotContain(r => r.EmployeeId == StaffSamples.EmployeeId(7));
        var changed = after.Single(r => r.EmployeeId == StaffSamples.EmployeeId(5));
        changed.Title.Should().Be("参事");
        changed.ExtensionNormalized.Should().Be("9999");
        after.Where(r => r.EmployeeId != StaffSamples.EmployeeId(5)).Select(r => r.UpdatedUtc).Distinct().Should().HaveCount(1);
    }

    [Fact]
    public async Task Reconcile_AfterARun_Balances_ThenFindsARowChangedAndARowDeletedInTheStore()
    {
        var expected = staff.Generate(new StaffSampleOptions(20, Cp932: true));
        var job = staff.JobFile();
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);
        var report = Path.Combine(Path.GetDirectoryName(staff.Store)!, "report");

        var balanced = await jobs.ReconcileAsync(job, report);

        balanced.ExitCode.Should().Be(ExitCodes.Success, balanced.Explain);
        ReportSummary.Read(report)["totals"]!["matched"]!.GetValue<long>().Should().Be(expected);

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={staff.Store}"))
        {
            await connection.OpenAsync();
            await using var change = connection.CreateCommand();
            // 部長 is not a title the sample generator gives, so the edit is always a change.
            change.CommandText = $"UPDATE staff SET \"Title\" = '部長' WHERE \"EmployeeId\" = '{StaffSamples.EmployeeId(2)}'; DELETE FROM staff WHERE \"EmployeeId\" = '{StaffSamples.EmployeeId(4)}'";
            await change.ExecuteNonQueryAsync();
        }

        var drifted = await jobs.ReconcileAsync(job, report + "2");

        drifted.ExitCode.Should().Be(2, drifted.Explain);
        var totals = ReportSummary.Read(report + "2")["totals"]!;
        totals["missing"]!.GetValue<long>().Should().Be(1);
        totals["differences"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(1);
        (await File.ReadAllTextAsync(Path.Combine(report + "2", "differences.csv"))).Should().Contain("Title").And.Contain("部長");
        (await File.ReadAllTextAsync(Path.Combine(report + "2", "missing.csv"))).Should().Contain(StaffSamples.EmployeeId(4));
    }

    [Fact]
    public async Task Run_600Removals_AreHeldBackUntilConfirmed()
    {
        staff.Generate(new StaffSampleOptions(700));
        var job = staff.JobFile();
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        staff.Generate(new StaffSampleOptions(700) { Removed = Enumerable.Range(100, 600).ToHashSet() });
        var refused = await jobs.RunAsync(job);

        refused.ExitCode.Should().Be(ExitCodes.Quarantined, refused.Explain);
        refused.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes");
        (await staff.StaffAsync()).Should().HaveCount(700);
        var pending = Directory.GetFiles(staff.Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        File.ReadAllLines(pending).Should().HaveCount(601).And.Contain(l => l.StartsWith(StaffSamples.EmployeeId(100) + ",", StringComparison.Ordinal));
        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

        var unknown = await jobs.RunAsync(job, confirmDeletes: "no-such-run");
        unknown.ExitCode.Should().Be(ExitCodes.Failed);
        (await staff.StaffAsync()).Should().HaveCount(700);

        var confirmed = await jobs.RunAsync(job, confirmDeletes: runId);
        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        (await staff.StaffAsync()).Should().HaveCount(100);
    }
}

/// <summary>The same job on the private PostgreSQL (binary COPY into the staging table).</summary>
public sealed class StaffPostgresRunTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Run_OnPostgres_LoadsUpsertsAndRemoves()
    {
        using var staff = new StaffHarness(await postgres.Server.CreateDatabaseAsync());
        var jobs = new JobLayer(staff.Workspace);
        var expected = staff.Generate(new StaffSampleOptions(50, Planted: true));
        var job = staff.JobFile();

        var run = await jobs.RunAsync(job);
        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        (await staff.StaffAsync()).Should().HaveCount(expected);

        var again = await jobs.RunAsync(job);
        again.Run.AlreadyDone.Should().Be(expected);

        staff.Generate(new StaffSampleOptions(50, Planted: true) { Changed = new HashSet<int> { 3 }, Removed = new HashSet<int> { 4 } });
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Quarantined);
        var after = await staff.StaffAsync();
        after.Should().HaveCount(expected - 1);
        after.Single(r => r.EmployeeId == StaffSamples.EmployeeId(3)).Title.Should().Be("参事");
        (await staff.DepartmentCountAsync()).Should().Be(12);
    }
}

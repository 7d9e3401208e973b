using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary><c>kind: cess-staff</c> end to end on SQLite: load, no-change re-run, changed and removed rows, the deletion threshold.</summary>
public sealed class StaffRunTests : IDisposable
{
    private readonly StaffHarness staff = new();

    public void Dispose() => staff.Dispose();

    [Fact]
    public async Task Run_Cp932ExportWithBadRows_LoadsGoodRowsAndQuarantinesEachBadOne()
    {
        var expected = staff.Generate(new StaffSampleOptions(40, Cp932: true, Planted: true));
        var job = staff.JobFile();

        var (code, output, error) = await staff.RunAsync("run", job);

        code.Should().Be(ExitCodes.Quarantined, output + error);
        output.Should().Contain($"隔離 {StaffSamples.PlantedQuarantined}").And.Contain("staff.csv:");
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
        (await staff.RunAsync("run", job)).ExitCode.Should().Be(ExitCodes.Success);
        var first = await staff.StaffAsync();
        first.Should().HaveCount(expected);

        var again = await staff.RunAsync("run", job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Output + again.Error);
        again.Output.Should().Contain($"処理済み {expected}");
        (await staff.StaffAsync()).Select(r => (r.EmployeeId, r.UpdatedUtc)).Should().Equal(first.Select(r => (r.EmployeeId, r.UpdatedUtc)));

        staff.Generate(new StaffSampleOptions(30, Cp932: false) { Changed = new HashSet<int> { 5 }, Removed = new HashSet<int> { 7 } });
        var diff = await staff.RunAsync("run", job);
        diff.ExitCode.Should().Be(ExitCodes.Success, diff.Output + diff.Error);
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
        (await staff.RunAsync("run", job)).ExitCode.Should().Be(ExitCodes.Success);
        var report = Path.Combine(Path.GetDirectoryName(staff.Store)!, "report");

        var balanced = await staff.RunAsync("reconcile", job, "--out", report);

        balanced.ExitCode.Should().Be(ExitCodes.Success, balanced.Output + balanced.Error);
        ReconcileAddressBookTests.Summary(report)["totals"]!["matched"]!.GetValue<long>().Should().Be(expected);

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={staff.Store}"))
        {
            await connection.OpenAsync();
            await using var change = connection.CreateCommand();
            // 部長 is not a title the sample generator gives, so the edit is always a change.
            change.CommandText = $"UPDATE staff SET \"Title\" = '部長' WHERE \"EmployeeId\" = '{StaffSamples.EmployeeId(2)}'; DELETE FROM staff WHERE \"EmployeeId\" = '{StaffSamples.EmployeeId(4)}'";
            await change.ExecuteNonQueryAsync();
        }

        var drifted = await staff.RunAsync("reconcile", job, "--out", report + "2");

        drifted.ExitCode.Should().Be(2, drifted.Output + drifted.Error);
        var totals = ReconcileAddressBookTests.Summary(report + "2")["totals"]!;
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
        (await staff.RunAsync("run", job)).ExitCode.Should().Be(ExitCodes.Success);

        staff.Generate(new StaffSampleOptions(700) { Removed = Enumerable.Range(100, 600).ToHashSet() });
        var refused = await staff.RunAsync("run", job);

        refused.ExitCode.Should().Be(ExitCodes.Quarantined, refused.Output + refused.Error);
        refused.Output.Should().Contain("要確認").And.Contain("--confirm-deletes");
        (await staff.StaffAsync()).Should().HaveCount(700);
        var pending = Directory.GetFiles(staff.Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        File.ReadAllLines(pending).Should().HaveCount(601).And.Contain(l => l.StartsWith(StaffSamples.EmployeeId(100) + ",", StringComparison.Ordinal));
        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

        var unknown = await staff.RunAsync("run", job, "--confirm-deletes", "no-such-run");
        unknown.ExitCode.Should().Be(ExitCodes.Failed);
        (await staff.StaffAsync()).Should().HaveCount(700);

        var confirmed = await staff.RunAsync("run", job, "--confirm-deletes", runId);
        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Output + confirmed.Error);
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
        var expected = staff.Generate(new StaffSampleOptions(50, Planted: true));
        var job = staff.JobFile();

        var (code, output, error) = await staff.RunAsync("run", job);
        code.Should().Be(ExitCodes.Quarantined, output + error);
        (await staff.StaffAsync()).Should().HaveCount(expected);

        var again = await staff.RunAsync("run", job);
        again.Output.Should().Contain($"処理済み {expected}");

        staff.Generate(new StaffSampleOptions(50, Planted: true) { Changed = new HashSet<int> { 3 }, Removed = new HashSet<int> { 4 } });
        (await staff.RunAsync("run", job)).ExitCode.Should().Be(ExitCodes.Quarantined);
        var after = await staff.StaffAsync();
        after.Should().HaveCount(expected - 1);
        after.Single(r => r.EmployeeId == StaffSamples.EmployeeId(3)).Title.Should().Be("参事");
        (await staff.DepartmentCountAsync()).Should().Be(12);
    }
}

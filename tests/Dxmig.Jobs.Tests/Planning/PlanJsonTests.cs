using System.Globalization;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Jobs.Planning;
using Dxmig.Platform.Scheduling;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Planning;

/// <summary>
/// <see cref="PlanJson"/>: the object <c>dxmig plan --json</c> prints, with exactly the names the rehearsal reads, and
/// figures computed by hand from a rates file's entry.
/// </summary>
public sealed class PlanJsonTests
{
    private static readonly string[] Names =
    [
        "job", "kind", "target", "nodes", "parallelism", "accounts", "unread", "items", "bytes", "workSeconds", "wallSeconds", "windows", "finish",
        "nodeBytesPerSecond", "nodesNeeded", "rate",
    ];

    private static readonly string[] RateNames =
    [
        "itemsPerSecond", "bytesPerSecond", "requestsPerItem", "perRunSeconds", "perAccountSeconds", "perContainerSeconds", "bytesWindowSeconds",
        "itemsWindowSeconds", "status", "source", "basis",
    ];

    private static async Task<PlanOutcome> PlanAsync(StaffHarness staff, AssumedSizes? assumed = null)
    {
        var diagnostics = new DiagnosticBag();
        var book = PlanRateBook.Load(staff.Workspace.Write("rates.yaml", """
            rates:
              - kind: cess-staff
                target: sqlite
                status: measured
                items-per-second: 1000
                per-run-seconds: 3
                per-account-seconds: 2
                per-container-seconds: 0.5
                basis: 試験 / test
            """), diagnostics)!;
        var calendar = ClosedDaysFile.Load(configPath: null, staff.Workspace.Variable, diagnostics) ?? throw new InvalidOperationException(diagnostics.Render());
        var job = assumed is null ? JobLoader.LoadForRun(staff.JobFile(), staff.Workspace.Variable) : JobLoader.LoadForHistory(staff.JobFile(), staff.Workspace.Variable);
        var request = new PlanRequest(new GivenThroughput(null, null), new SizeRequest(true), NodePlan.Default)
        {
            Rates = new PlanRateFiles(null, book),
            Assumed = assumed,
        };
        return await new PlanService(staff.Workspace.Time).PlanAsync(job, calendar.Calendar, request, CancellationToken.None);
    }

    [Fact]
    public async Task Write_OneObject_WithTheNamesTheRehearsalReads_AndTheFiguresOfTheEntry()
    {
        using var staff = new StaffHarness();
        staff.Generate(new StaffSampleOptions(40));
        var outcome = await PlanAsync(staff);
        var size = outcome.Read.Should().ContainSingle().Subject.Size!;

        using var json = JsonDocument.Parse(PlanJson.Write(outcome));

        var root = json.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal(Names);
        root.GetProperty("rate").EnumerateObject().Select(p => p.Name).Should().Equal(RateNames);
        root.GetProperty("job").GetString().Should().Be("test-staff");
        root.GetProperty("kind").GetString().Should().Be("cess-staff");
        root.GetProperty("target").GetString().Should().Be("sqlite");
        root.GetProperty("accounts").GetInt32().Should().Be(1);
        root.GetProperty("items").GetInt64().Should().Be(40, "40 staff, one row each");
        root.GetProperty("bytes").GetInt64().Should().Be(new FileInfo(staff.Export).Length);

        // One export (one account, one file): 2 s + 0.5 s + (rows + 1 file) / 1,000 per s; the run adds 3 s.
        var work = 2 + 0.5 + ((size.Items + 1) / 1000d);
        root.GetProperty("workSeconds").GetDouble().Should().BeApproximately(work, 0.001);
        root.GetProperty("wallSeconds").GetDouble().Should().BeApproximately(3 + work, 0.001);
        root.GetProperty("windows").GetInt32().Should().Be(1, "no schedule: always open");
        DateTimeOffset.Parse(root.GetProperty("finish").GetString()!, CultureInfo.InvariantCulture)
            .Should().BeCloseTo(staff.Workspace.Time.GetUtcNow() + TimeSpan.FromSeconds(3 + work), TimeSpan.FromSeconds(1));
        var rate = root.GetProperty("rate");
        rate.GetProperty("itemsPerSecond").GetDouble().Should().Be(1000);
        rate.GetProperty("bytesPerSecond").ValueKind.Should().Be(JsonValueKind.Null, "the entry has no limit by bytes");
        rate.GetProperty("perRunSeconds").GetDouble().Should().Be(3);
        rate.GetProperty("perAccountSeconds").GetDouble().Should().Be(2);
        rate.GetProperty("status").GetString().Should().Be("measured");
        rate.GetProperty("source").GetString().Should().EndWith("rates.yaml:2");
        rate.GetProperty("basis").GetString().Should().Be("試験 / test", "Japanese is written as it is, not escaped");
    }

    [Fact]
    public async Task WriteAll_AnArrayOfTheSameObjects()
    {
        using var staff = new StaffHarness();
        staff.Generate(new StaffSampleOptions(5));
        var outcome = await PlanAsync(staff);

        using var json = JsonDocument.Parse(PlanJson.WriteAll([outcome, outcome]));

        json.RootElement.GetArrayLength().Should().Be(2);
        json.RootElement.EnumerateArray().Should().OnlyContain(e => e.EnumerateObject().Select(p => p.Name).SequenceEqual(Names));
    }

    [Fact]
    public async Task Plan_AnAssumedScale_ReadsNoSource_AndLaysTheMadeUpAccountsOverTheLanes()
    {
        // The export gone: the source is not read. 10 accounts of 1,000 items on the job's 4 lanes: 3 rounds of
        // 2 + 0.5 + 1,001 / 1,000 s = 3.501 s, + 3 s per run.
        using var staff = new StaffHarness();
        staff.Generate(new StaffSampleOptions(5));
        File.Delete(staff.Export);

        var outcome = await PlanAsync(staff, new AssumedSizes(10, 10 * 1024 * 1024, 10_000, null, null));

        outcome.Unread.Should().Be(0);
        outcome.Read.Should().HaveCount(10).And.OnlyContain(s => s.Size!.Items == 1000 && s.Size.Bytes == 1024 * 1024 && s.Method == "assumed");
        outcome.Parallelism.Should().Be(4);
        outcome.Estimate.Work.TotalSeconds.Should().BeApproximately(3 + (3 * 3.501), 0.001);
        outcome.WorkSum.TotalSeconds.Should().BeApproximately(10 * 3.501, 0.001);
    }
}

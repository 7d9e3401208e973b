using System.Text;
using Dxmig.GraphEmulator;
using Dxmig.Jobs.Cess.Calendar;
using Dxmig.Jobs.Cess.Staff;
using Dxmig.Jobs.Common;
using Dxmig.Jobs.Tests.Cess.Calendar;
using Dxmig.Jobs.Tests.Cess.Documents;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Jobs.Tests.Mobile;
using Dxmig.Platform.Scheduling;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests;

/// <summary>
/// <see cref="PlanService"/> for the kinds sized by their exports (rows after the header, a quoted newline inside one
/// row, and the files' bytes) or by their documents folder (files and bytes), with the rate of their target: the
/// platform store's assumed rows per second, or Graph's published limits.
/// </summary>
public sealed class PlanServiceTests
{
    /// <summary>Three data rows after the header; the second holds a quoted line break (one record, two lines).</summary>
    private const int Rows = 3;

    private static readonly GivenThroughput NoneGiven = new(null, null);

    [Fact]
    public async Task Plan_CessStaff_CountsRowsAndBytesOfTheExport_AtTheStoreRate()
    {
        using var staff = new StaffHarness();
        staff.Generate(new StaffSampleOptions(5));
        WriteExport(staff.Export, StaffSamples.Header);

        var plan = await new JobLayer(staff.Workspace).PlanAsync(staff.JobFile());

        AssertOneExport(plan, staff.Export);
        plan.Rate.Should().Be(SourceSizes.Store(StaffJobKind.TargetType, NoneGiven));
        plan.Rate.RequestsPerSecond.Should().Be(SourceSizes.AssumedStoreRowsPerSecond);
        AssertEstimateUsesTheRate(plan);
    }

    [Theory]
    [InlineData("cess-schedules")]
    [InlineData("cess-facilities")]
    public async Task Plan_CessCalendarKinds_CountRowsAndBytesOfTheExport_AtTheStoreRate(string kind)
    {
        using var calendar = new CalendarHarness();
        var schedules = kind == "cess-schedules";
        var options = new CalendarSampleOptions(6, 3);
        var export = schedules ? calendar.Schedules : calendar.Reservations;
        _ = schedules ? calendar.GenerateSchedules(options) : calendar.GenerateReservations(options);
        WriteExport(export, schedules ? CalendarSamples.ScheduleHeader : CalendarSamples.ReservationHeader);

        var plan = await new JobLayer(calendar.Workspace).PlanAsync(calendar.JobFile(kind));

        AssertOneExport(plan, export);
        plan.Rate.Should().Be(SourceSizes.Store(ScheduleJobKind.StoreType, NoneGiven));
        AssertEstimateUsesTheRate(plan);
    }

    [Fact]
    public async Task Plan_CessDocuments_CountsTheFolderFilesAndBytes_AtGraphsRate()
    {
        await using var documents = await DocumentHarness.StartAsync();
        documents.Generate(new DocumentSampleOptions(6, LargeFiles: 1));
        var files = new DirectoryInfo(documents.Folder).EnumerateFiles("*", SearchOption.AllDirectories).ToList();

        var plan = await new JobLayer(documents.Workspace).PlanAsync(documents.JobFile());

        var size = plan.Sizes.Should().ContainSingle().Subject;
        size.Error.Should().BeNull();
        size.Method.Should().Be("files");
        size.Size!.Items.Should().Be(files.Count);
        size.Size.Bytes.Should().Be(files.Sum(f => f.Length));
        plan.Rate.Should().Be(TargetRate.Graph);
        AssertEstimateUsesTheRate(plan);
    }

    [Fact]
    public async Task Plan_MobileDevices_SizesTheDeviceListAndThePermissionLists_AtTheStoreRate()
    {
        using var mobile = new MobileHarness();
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(8, 6, Cp932: false));
        var devices = Path.Combine(mobile.Workspace.Exports, "devices.csv");
        var permissions = new[] { "telework-mobile.csv", "telework-home.csv" }.Select(f => Path.Combine(mobile.Workspace.Exports, f)).ToList();
        WriteExport(devices, MobileSamples.DeviceHeader);
        foreach (var list in permissions)
        {
            WriteExport(list, MobileSamples.PermissionHeader);
        }

        var plan = await mobile.Layer.PlanAsync(mobile.DevicesJob());

        plan.Unread.Should().Be(0, string.Join("; ", plan.Sizes.Select(s => s.Error)));
        plan.Sizes.Select(s => s.Account).Should().Equal("devices", "permissions");
        plan.Sizes[0].Size!.Items.Should().Be(Rows);
        plan.Sizes[0].Size!.Bytes.Should().Be(new FileInfo(devices).Length);
        plan.Sizes[1].Size!.Items.Should().Be(Rows * permissions.Count, "each list's header is not a row");
        plan.Sizes[1].Size!.Bytes.Should().Be(permissions.Sum(p => new FileInfo(p).Length));
        plan.Sizes[1].Size!.Containers.Should().Be(permissions.Count);
        plan.Rate.Should().Be(SourceSizes.Store("platform-mobile", NoneGiven));
        AssertEstimateUsesTheRate(plan);
    }

    [Fact]
    public async Task Plan_TeleworkGroups_SizesThePermissionLists_AtGraphsRate_LoweredByAGivenThroughput()
    {
        using var mobile = new MobileHarness();
        await using var graph = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions(), CancellationToken.None);
        StaffSamples.Write(Path.Combine(mobile.Workspace.Exports, "staff.csv"), Path.Combine(mobile.Workspace.Exports, "identity.csv"), new StaffSampleOptions(6));
        MobileSamples.Write(mobile.Workspace.Exports, new MobileSampleOptions(8, 6, Cp932: false));
        var permissions = new[] { "telework-mobile.csv", "telework-home.csv" }.Select(f => Path.Combine(mobile.Workspace.Exports, f)).ToList();
        foreach (var list in permissions)
        {
            WriteExport(list, MobileSamples.PermissionHeader);
        }

        var job = mobile.GroupsJob(graph);
        var plan = await mobile.Layer.PlanAsync(job);

        var size = plan.Sizes.Should().ContainSingle().Subject.Size!;
        size.Items.Should().Be(Rows * permissions.Count);
        size.Bytes.Should().Be(permissions.Sum(p => new FileInfo(p).Length));
        plan.Rate.Should().Be(TargetRate.Graph);
        AssertEstimateUsesTheRate(plan);

        var given = new GivenThroughput(null, 0.5);
        var slower = await mobile.Layer.PlanAsync(job, given);
        slower.Rate.Should().Be(SourceSizes.Graph(given));
        slower.Rate.RequestsPerSecond.Should().Be(0.5);
        AssertEstimateUsesTheRate(slower);
    }

    /// <summary>A UTF-8 export (BOM, CRLF): the header and <see cref="Rows"/> rows, the second with a quoted line break.</summary>
    private static void WriteExport(string path, string header)
    {
        var columns = header.Split(',').Length;
        string Row(string first) => string.Join(',', new[] { first }.Concat(Enumerable.Repeat("x", columns - 1)));
        File.WriteAllText(path, $"{header}\r\n{Row("1")}\r\n{Row("\"二行に\r\nわたる値\"")}\r\n{Row("3")}\r\n", new UTF8Encoding(true));
    }

    private static void AssertOneExport(PlanOutcome plan, string export)
    {
        var size = plan.Sizes.Should().ContainSingle().Subject;
        size.Error.Should().BeNull();
        size.Method.Should().Be("CSV");
        size.Size!.Items.Should().Be(Rows, "the header is not a row and a quoted line break does not start one");
        size.Size.Bytes.Should().Be(new FileInfo(export).Length);
        size.Size.Containers.Should().Be(1);
    }

    /// <summary>Every account read is in the estimate, for the time the plan's rate gives it.</summary>
    private static void AssertEstimateUsesTheRate(PlanOutcome plan)
    {
        plan.Estimate.Accounts.Select(a => a.Account).Should().Equal(plan.Read.Select(s => s.Size!));
        foreach (var account in plan.Estimate.Accounts)
        {
            account.Duration.Should().Be(plan.Rate.TimeFor(account.Account));
        }
    }
}

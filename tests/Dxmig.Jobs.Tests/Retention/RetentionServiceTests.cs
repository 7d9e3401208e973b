using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Jobs.Retention;
using Dxmig.Platform.Retention;
using Dxmig.TestSupport.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Jobs.Tests.Retention;

public sealed class RetentionServiceTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 20, 0, 0, TimeSpan.Zero);

    private readonly JobWorkspace workspace = new();

    public RetentionServiceTests() => Directory.CreateDirectory(workspace.Exports);

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Enforce_RemovesLogsAndReportsOlderThanTheSettings_ByTheTimeInTheirNames_AndKeepsTheNewestReport()
    {
        var path = workspace.JobFile(extra: "retention:\n  logs-days: 30\n  reports-days: 90\n");
        var job = JobLoader.LoadForRun(path, workspace.Variable).File;
        var folder = Path.Combine(job.LogFolder, job.Name);
        string Id(int daysAgo) => $"{Now.AddDays(-daysAgo).UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-0a1b2c3d";
        Touch(folder, $"{Id(40)}.jsonl", 1000);
        Touch(folder, $"pending-deletions-{Id(31)}.csv", 200);
        Touch(folder, $"{Id(29)}.jsonl", 1000);
        Touch(folder, "notes.txt", 10); // no time in its name: its last write counts
        File.SetLastWriteTimeUtc(Path.Combine(folder, "notes.txt"), Now.AddDays(-1).UtcDateTime);
        Touch(folder, "old-notes.txt", 10);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "old-notes.txt"), Now.AddDays(-31).UtcDateTime);
        Touch(Path.Combine(folder, "reports", Id(400)), "index.html", 5000);
        Touch(Path.Combine(folder, "reports", Id(91)), "index.html", 5000);
        Touch(Path.Combine(folder, "reports", Id(89)), "index.html", 5000);
        Touch(Path.Combine(folder, "reports", $"reconcile-{Now.AddDays(-120).UtcDateTime:yyyyMMdd'T'HHmmss'Z'}"), "index.html", 5000);

        var outcome = await new RetentionService(new FakeTimeProvider(Now)).EnforceAsync(job, default);

        (outcome.Files, outcome.Reports, outcome.Bytes).Should().Be((3, 3, 1210 + 15000));
        Directory.GetFiles(folder).Select(Path.GetFileName).Should().BeEquivalentTo([$"{Id(29)}.jsonl", "notes.txt", RetentionService.StateFile]);
        Directory.GetDirectories(Path.Combine(folder, "reports")).Select(Path.GetFileName).Should().BeEquivalentTo([Id(89)]);

        var status = await new RetentionService(new FakeTimeProvider(Now)).MeasureAsync(job, default);
        (status.LogFiles, status.Reports, status.ReportBytes).Should().Be((2, 1, 5000));
        status.Last.Should().NotBeNull();
        status.Last!.Describe().Should().Contain("ログ 3 件、報告 3 件").And.Contain("3 log file(s) and 3 report folder(s)");
        status.Settings.Should().Be(RetentionSettings.Default with { LogsDays = 30, ReportsDays = 90 });
    }

    [Fact]
    public async Task Enforce_EvenWhenEveryReportIsOld_TheNewestStays()
    {
        var job = JobLoader.LoadForRun(workspace.JobFile(extra: "retention:\n  reports-days: 10\n"), workspace.Variable).File;
        var reports = Path.Combine(job.LogFolder, job.Name, "reports");
        Touch(Path.Combine(reports, "20250101T000000Z-aaaaaaaa"), "index.html", 10);
        Touch(Path.Combine(reports, "20250201T000000Z-bbbbbbbb"), "index.html", 10);

        var outcome = await new RetentionService(new FakeTimeProvider(Now)).EnforceAsync(job, default);

        outcome.Reports.Should().Be(1);
        Directory.GetDirectories(reports).Select(Path.GetFileName).Should().Equal("20250201T000000Z-bbbbbbbb");
    }

    [Fact]
    public void RetentionSection_UnknownKeyOrZero_IsReportedWithItsLine()
    {
        var path = workspace.JobFile(extra: "retention:\n  logs-days: 0\n  keep-days: 5\n");
        var diagnostics = new DiagnosticBag();

        JobLoader.Load(path, diagnostics, workspace.Variable);

        diagnostics.HasErrors.Should().BeTrue();
        var text = diagnostics.Render();
        text.Should().Contain("keep-days").And.Contain("logs-days");
    }

    private static void Touch(string folder, string name, int bytes)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, name), new byte[bytes]);
    }
}

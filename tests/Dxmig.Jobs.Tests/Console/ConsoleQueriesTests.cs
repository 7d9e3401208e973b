using System.Text;
using Dxmig.Jobs.Console;
using Dxmig.Jobs.Tests.AddressBook;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Console;

/// <summary><see cref="ConsoleQueries"/>: one run's detail and files, its log's tail, and paths that never leave the job's log folder.</summary>
public sealed class ConsoleQueriesTests : IDisposable
{
    private readonly JobWorkspace workspace = new();
    private readonly JobLayer jobs;

    public ConsoleQueriesTests()
    {
        jobs = new JobLayer(workspace);
        Directory.CreateDirectory(workspace.Exports);
    }

    public void Dispose() => workspace.Dispose();

    private ConsoleQueries Queries => new(workspace.Time);

    private JobFile File(string job) => JobLoader.LoadForRun(job, workspace.Variable).File;

    [Fact]
    public async Task RunDetail_OfARun_HasItsAccountingPerAccount_ItsLogAndItsReport()
    {
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(0, 6));
        AddressBookExports.Write(workspace.Exports, "suzuki", Enumerable.Range(0, 4));
        var job = workspace.JobFile();
        var run = await jobs.RunAsync(job);
        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var file = File(job);

        var detail = await Queries.RunDetailAsync(file, run.Run.RunId, CancellationToken.None);

        detail.Should().NotBeNull();
        detail!.Run.RunId.Should().Be(run.Run.RunId);
        detail.Run.Outcome.Should().Be(RunOutcome.Succeeded);
        detail.Run.Loaded.Should().Be(10);
        detail.Accounts.Select(a => (a.Account, a.Loaded)).Should().Equal(("suzuki", 4L), ("tanaka", 6L));
        var logs = Path.Combine(workspace.Folder, "logs", "test-addressbook");
        detail.Files.JobFolder.Should().Be(logs);
        detail.Files.LogFile.Should().Be(Path.Combine(logs, run.Run.RunId + ".jsonl"));
        detail.Files.LogExists.Should().Be(System.IO.File.Exists(detail.Files.LogFile));
        detail.Files.ReportFolder.Should().Be(Path.Combine(logs, "reports", run.Run.RunId));
        detail.Files.ReportHtml.Should().Be(Path.Combine(logs, "reports", run.Run.RunId, "index.html"), "the job reconciles after its runs");
        detail.Files.ReportSummary.Should().Be(Path.Combine(logs, "reports", run.Run.RunId, "summary.json"));
        System.IO.File.Exists(detail.Files.ReportHtml).Should().BeTrue();
        detail.Files.PendingDeletions.Should().BeNull("nothing was held back");

        (await Queries.RunDetailAsync(file, "20990101T000000Z-00000000", CancellationToken.None)).Should().BeNull("no such run");
        var skips = await Queries.SkipsByRuleAsync(file, run.Run.RunId, CancellationToken.None);
        skips.Sum(s => s.Count).Should().Be(detail.Run.Skipped);
        var page = await Queries.SearchItemsAsync(file, ItemState.Loaded, run.Run.RunId, null, "tanaka", 0, 4, CancellationToken.None);
        page.Total.Should().Be(6);
        page.Items.Should().HaveCount(4).And.OnlyContain(i => i.Account == "tanaka");
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("20261207T010000Z-0123abcd/../../x")]
    [InlineData("20261207T010000Z-0123abcd\n")]
    [InlineData("20261207T010000Z-0123ABCD")]
    [InlineData("reconcile-20261207T010000Z")]
    [InlineData("")]
    public async Task ARunIdOfAnotherForm_NamesNoFile(string runId)
    {
        var file = File(workspace.JobFile());

        ConsoleQueries.IsRunId(runId).Should().BeFalse();
        var act = () => ConsoleQueries.Files(file, runId);
        act.Should().Throw<ArgumentException>();
        (await Queries.RunDetailAsync(file, runId, CancellationToken.None)).Should().BeNull();
        (await ConsoleQueries.ReadLogTailAsync(file, runId, 1000, CancellationToken.None)).Should().BeNull();
        (await HeldBackDeletions.ConfirmAsync(file, runId, 1, "operator@pref.example.jp", workspace.Time, CancellationToken.None)).Accepted.Should().BeFalse();
    }

    [Fact]
    public async Task AJobNeverRun_HasNoRunsOrItems_AndTheConsoleCreatesNoLedger()
    {
        var file = File(workspace.JobFile());

        (await Queries.RunDetailAsync(file, "20261207T010000Z-0123abcd", CancellationToken.None)).Should().BeNull();
        (await Queries.SearchItemsAsync(file, ItemState.Quarantined, null, null, "x", 0, 50, CancellationToken.None)).Items.Should().BeEmpty();
        (await Queries.SkipsByRuleAsync(file, null, CancellationToken.None)).Should().BeEmpty();
        System.IO.File.Exists(workspace.Ledger).Should().BeFalse();
        (await HeldBackDeletions.ListAsync(file, 10, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task LogTail_IsTheLastWholeLinesWithinTheBytes_SecretsMasked_AndTheWholeLogWhenItIsSmall()
    {
        const string Secret = "Tanuki-Secret-8842";
        SecretMasker.Register(Secret);
        var file = File(workspace.JobFile());
        const string RunId = "20261207T010000Z-0123abcd";
        var path = ConsoleQueries.Files(file, RunId).LogFile;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            // Japanese text: a cut at a byte count falls inside a character as often as not.
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"n\":{i},\"message\":\"髙橋さんの受信トレイ ①② token={Secret}\"}}\n");
        }

        await System.IO.File.WriteAllTextAsync(path, text.ToString(), new UTF8Encoding(false));

        var tail = await ConsoleQueries.ReadLogTailAsync(file, RunId, 300, CancellationToken.None);

        tail.Should().NotBeNull();
        tail!.Path.Should().Be(path);
        tail.Length.Should().Be(new FileInfo(path).Length);
        tail.Truncated.Should().BeTrue();
        Encoding.UTF8.GetByteCount(tail.Text).Should().BeLessThanOrEqualTo(300);
        tail.Text.Should().StartWith("{\"n\":").And.EndWith("\"n\":499,\"message\":\"髙橋さんの受信トレイ ①② token=***\"}\n")
            .And.NotContain(Secret).And.NotContain("\uFFFD");
        var lines = tail.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCountGreaterThan(1).And.OnlyContain(l => l.StartsWith("{\"n\":", StringComparison.Ordinal) && l.EndsWith('}'));

        var whole = await ConsoleQueries.ReadLogTailAsync(file, RunId, ConsoleQueries.MaxTailBytes * 4, CancellationToken.None);
        whole!.Truncated.Should().BeFalse();
        whole.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(500);
        whole.Text.Should().NotContain(Secret);
        (await ConsoleQueries.ReadLogTailAsync(file, "20261207T010000Z-ffffffff", 300, CancellationToken.None)).Should().BeNull("that run has no log");
    }
}

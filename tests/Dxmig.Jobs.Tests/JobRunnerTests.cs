using System.Text;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests;

/// <summary><see cref="JobRunner"/>'s own rules around a run: the run window, the accounts asked for, and the after-run reconciliation's exit code.</summary>
public sealed class JobRunnerTests : IDisposable
{
    private readonly JobWorkspace workspace = new();

    public JobRunnerTests() => workspace.Environment["DXMIG_REPO"] = workspace.Folder; // no closed-days file: the rules alone

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Run_OutsideTheRunWindow_Exits3AndRunsNothing()
    {
        workspace.Samples(accounts: 2);
        var job = workspace.JobFile(extra: "schedule:\n  calendar: working-days\n  window: \"20:00-07:00\"");
        // Friday 2026-09-18 12:00 in Tokyo: the window opens at 20:00.
        workspace.Time = new FixedClock(new DateTimeOffset(2026, 9, 18, 12, 0, 0, TimeSpan.FromHours(9)));

        var run = await new JobLayer(workspace).RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.WindowClosed, run.Lines + run.Problems);
        run.Console.Result.Should().BeNull("nothing ran");
        run.Console.ProgressAccounts.Should().BeNull();
        run.Lines.Should().Contain("outside the job's run window").And.Contain("2026-09-18 20:00 (+09:00)");
        File.Exists(workspace.Ledger).Should().BeFalse("no ledger was opened");
        File.Exists(workspace.Store).Should().BeFalse("nothing was written to the target");

        var anyway = await new JobLayer(workspace).RunAsync(job, ignoreWindow: true);

        anyway.ExitCode.Should().Be(ExitCodes.Quarantined, anyway.Explain);
        anyway.Run.Loaded.Should().BeGreaterThan(0, "--ignore-window runs it now");
    }

    [Fact]
    public async Task Run_AnAccountNotInTheJob_IsAConfigurationError_Exit2_AndRunsNothing()
    {
        workspace.Samples(accounts: 1);

        var run = await new JobLayer(workspace).RunAsync(workspace.JobFile(), accounts: ["user000", "nobody"]);

        run.ExitCode.Should().Be(ExitCodes.Failed);
        run.Console.Result.Should().BeNull("nothing ran");
        run.Problems.Should().Contain("このジョブにないアカウント: nobody").And.Contain("accounts not in this job: nobody")
            .And.Contain("not run: the configuration has errors").And.NotContain("user000");
        File.Exists(workspace.Store).Should().BeFalse();
    }

    [Fact]
    public void SelectAccounts_NoneAsked_IsEveryAccount_AndAskedOnesAreKeptOnceInTheirOrder()
    {
        JobRunner.SelectAccounts(["a", "b", "c"], []).Should().Equal("a", "b", "c");
        JobRunner.SelectAccounts(["a", "b", "c"], ["c", "a", "c"]).Should().Equal("c", "a");
        var act = () => JobRunner.SelectAccounts(["a"], ["x", "y"]);
        act.Should().Throw<Contracts.ConfigurationException>().WithMessage("*x, y*");
    }

    [Fact]
    public async Task Run_AfterRunReconciliationIncomplete_TheRunExitsWithTheWorseCode()
    {
        Directory.CreateDirectory(workspace.Exports);
        await File.WriteAllTextAsync(Path.Combine(workspace.Exports, "clean.csv"),
            "名前,メールアドレス\r\n髙橋 一郎,ichiro@pref.example.jp\r\n鈴木 次郎,jiro@pref.example.jp\r\n", new UTF8Encoding(true));
        var job = workspace.JobFile();
        var first = await new JobLayer(workspace).RunAsync(job);
        first.ExitCode.Should().Be(ExitCodes.Success, first.Explain);
        first.Reconciliation!.ExitCode.Should().Be(ExitCodes.Success);

        // A row gone from the store behind the ledger's back: the next run has nothing to do (0), its reconciliation finds it missing (2).
        await using (var connection = await StoreConnections.OpenAsync(StoreLocation.Parse(workspace.Store, "/"), CancellationToken.None))
        {
            await using var delete = connection.Command("DELETE FROM contacts WHERE \"Email\" = 'jiro@pref.example.jp'");
            (await delete.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var second = await new JobLayer(workspace).RunAsync(job);

        second.Result.ExitCode.Should().Be(ExitCodes.Success, "the run itself had everything already done");
        second.Run.AlreadyDone.Should().Be(2);
        second.Reconciliation!.ExitCode.Should().Be(ExitCodes.Failed);
        second.Reconciliation.Accounts.Should().ContainSingle().Which.Verdict.Should().Be(Verdict.Incomplete);
        second.ExitCode.Should().Be(ExitCodes.Failed, "the run's exit code is the worse of the run's and the reconciliation's");
        Path.GetFileName(second.Reconciliation.Folder).Should().Be(second.Run.RunId, "after a run the report is named for it");
    }

    [Fact]
    public async Task Run_WithoutAfterRunReconciliation_ExitsWithTheRunsCode()
    {
        Directory.CreateDirectory(workspace.Exports);
        await File.WriteAllTextAsync(Path.Combine(workspace.Exports, "clean.csv"), "名前,メールアドレス\r\n髙橋 一郎,ichiro@pref.example.jp\r\n", new UTF8Encoding(true));
        var job = workspace.JobFile();
        await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(job)).Replace("  batch-size: 200\n", "  batch-size: 200\n  reconcile: off\n", StringComparison.Ordinal));

        var run = await new JobLayer(workspace).RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Reconciliation.Should().BeNull();
    }
}

using System.Text.Json;
using Dxmig.Extractors.Imap;
using Dxmig.Jobs.Console;
using Dxmig.Jobs.Mail;
using Dxmig.Jobs.Tests.AddressBook;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Console;

/// <summary>
/// <see cref="HeldBackDeletions"/>: mass deletions held back at the threshold, listed and confirmed in the console, carried
/// out by the job's next run (no <c>--confirm-deletes</c>) exactly once.
/// </summary>
public sealed class HeldBackDeletionsTests : IDisposable
{
    private const string Who = "kanri@pref.example.jp";
    private readonly JobWorkspace workspace = new();
    private readonly JobLayer jobs;

    public HeldBackDeletionsTests()
    {
        jobs = new JobLayer(workspace);
        Directory.CreateDirectory(workspace.Exports);
    }

    public void Dispose() => workspace.Dispose();

    private string Logs => Path.Combine(workspace.Folder, "logs", "test-addressbook");

    [Fact]
    public async Task ConfirmedInTheConsole_WrongCountRefused_RightCountAccepted_TheNextRunRemovesExactlyThose_AndTheRunAfterNothingMore()
    {
        var job = AddressBookExports.WithThreshold(workspace.JobFile(), "delete-threshold: 3");
        var file = JobLoader.LoadForRun(job, workspace.Variable).File;
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(0, 10));
        AddressBookExports.Write(workspace.Exports, "suzuki", Enumerable.Range(0, 10));
        (await jobs.RunAsync(job)).ExitCode.Should().Be(ExitCodes.Success);

        // Four contacts gone, over the threshold of three: held back.
        AddressBookExports.Write(workspace.Exports, "tanaka", Enumerable.Range(2, 8));
        AddressBookExports.Write(workspace.Exports, "suzuki", Enumerable.Range(0, 8));
        var held = await jobs.RunAsync(job);
        held.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings, held.Explain);
        held.Run.Removed.Should().Be(0);
        var runId = held.Run.RunId;

        var list = (await HeldBackDeletions.ListAsync(file, 3, CancellationToken.None)).Should().ContainSingle().Subject;
        list.RunId.Should().Be(runId);
        list.Count.Should().Be(4);
        list.State.Should().Be(HeldBackState.Pending);
        list.Confirmation.Should().BeNull();
        list.IdColumn.Should().Be("account/contact");
        list.Path.Should().Be(Path.Combine(Logs, $"pending-deletions-{runId}.csv"));
        list.FirstRows.Select(r => r.SourceId).Should().Equal(
            $"suzuki/髙橋 08郎<{AddressBookExports.Email("suzuki", 8)}>", $"suzuki/髙橋 09郎<{AddressBookExports.Email("suzuki", 9)}>",
            $"tanaka/髙橋 00郎<{AddressBookExports.Email("tanaka", 0)}>");
        list.FirstRows.Should().OnlyContain(r => !string.IsNullOrEmpty(r.TargetKey) && r.Account == null);
        list.FileUtc.Should().BeCloseTo(DateTime.UtcNow, TimeSpan.FromMinutes(5));

        // The wrong count: refused, nothing written.
        var wrong = await HeldBackDeletions.ConfirmAsync(file, runId, 3, Who, workspace.Time, CancellationToken.None);
        wrong.Accepted.Should().BeFalse();
        wrong.Message.Should().Be(
            "入力された件数 3 が一覧の件数 4 と違うため、確定しませんでした。一覧を確認し、件数 4 を入力してください / " +
            "not confirmed: the count entered (3) is not the list's count (4); review the list and enter 4");
        File.Exists(HeldBackDeletions.ConfirmedPath(Logs, runId)).Should().BeFalse();
        (await HeldBackDeletions.ConfirmAsync(file, "20990101T000000Z-00000000", 4, Who, workspace.Time, CancellationToken.None))
            .Message.Should().Contain("has no list of held-back deletions");
        (await HeldBackDeletions.ConfirmAsync(file, runId, 4, "  ", workspace.Time, CancellationToken.None)).Accepted.Should().BeFalse();

        // The right count: a marker beside the list.
        var right = await HeldBackDeletions.ConfirmAsync(file, runId, 4, Who, workspace.Time, CancellationToken.None);
        right.Accepted.Should().BeTrue(right.Message);
        right.Message.Should().Contain("削除 4 件を確定しました").And.Contain("the job's next run carries them out");
        var marker = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(HeldBackDeletions.ConfirmedPath(Logs, runId)));
        marker.GetProperty("RunId").GetString().Should().Be(runId);
        marker.GetProperty("Count").GetInt32().Should().Be(4);
        marker.GetProperty("ConfirmedBy").GetString().Should().Be(Who);
        var twice = await HeldBackDeletions.ConfirmAsync(file, runId, 4, "someone-else@pref.example.jp", workspace.Time, CancellationToken.None);
        twice.Accepted.Should().BeFalse();
        twice.Message.Should().Contain($"already confirmed by {Who}");
        (await HeldBackDeletions.ListAsync(file, 0, CancellationToken.None)).Single().State.Should().Be(HeldBackState.Confirmed);

        // A dry run reads the confirmation but carries nothing out and leaves it.
        var dry = await jobs.RunAsync(job, dryRun: true);
        dry.ExitCode.Should().NotBe(ExitCodes.Failed, dry.Explain);
        (await workspace.CountContactsAsync()).Should().Be(20);
        File.Exists(HeldBackDeletions.ConfirmedPath(Logs, runId)).Should().BeTrue("a dry run does not use it up");

        // The next run, given no --confirm-deletes: exactly the four go.
        var next = await jobs.RunAsync(job);
        next.ExitCode.Should().Be(ExitCodes.Success, next.Explain);
        next.Lines.Should().Contain($"applying the confirmed held-back deletions of run {runId}");
        next.Run.Removed.Should().Be(4);
        next.Balanced.Should().BeTrue();
        (await workspace.CountContactsAsync()).Should().Be(16);
        var removed = (await workspace.LedgerItemsAsync()).Where(i => i.State == ItemState.Removed).Select(i => $"{i.Account}/{i.NativeId}");
        removed.Should().BeEquivalentTo(File.ReadAllLines(list.Path).Skip(1).Select(l => l.Split(',')[0]));
        File.Exists(HeldBackDeletions.ConfirmedPath(Logs, runId)).Should().BeFalse();
        var applied = JsonSerializer.Deserialize<HeldBackConfirmation>(File.ReadAllText(HeldBackDeletions.AppliedPath(Logs, runId)))!;
        applied.AppliedByRun.Should().Be(next.Run.RunId);
        applied.ConfirmedBy.Should().Be(Who);
        var shown = (await HeldBackDeletions.ListAsync(file, 0, CancellationToken.None)).Single();
        shown.State.Should().Be(HeldBackState.Applied);
        shown.Confirmation!.AppliedByRun.Should().Be(next.Run.RunId);

        // The run after: nothing more, and the confirmation is not used again.
        var after = await jobs.RunAsync(job);
        after.ExitCode.Should().Be(ExitCodes.Success, after.Explain);
        after.Run.Removed.Should().Be(0);
        after.Lines.Should().NotContain("applying the confirmed");
        (await workspace.CountContactsAsync()).Should().Be(16);
        (await HeldBackDeletions.ConfirmAsync(file, runId, 4, Who, workspace.Time, CancellationToken.None))
            .Message.Should().Contain($"were carried out by run {next.Run.RunId}");
    }

    [Fact]
    public async Task AMailList_ShowsAccountFolderAndMessage_AndCountsRecordsWhoseCellsHoldCommasQuotesAndLineBreaks()
    {
        using var temp = new TempFolder();
        const string RunId = "20261207T010000Z-0123abcd";
        MailPendingDeletions.Write(temp.Path, RunId,
        [
            new MailRemoval("tanaka@pref.example.jp", "受信トレイ/2024", "7:15", "graph:AAMk-1"),
            new MailRemoval("suzuki@pref.example.jp", "会議, \"臨時\"\n続き", "7:16", null),
            new MailRemoval("=cmd@pref.example.jp", "INBOX", "7:17", "graph:AAMk-3"),
        ]);

        var list = (await HeldBackDeletions.ListAsync(temp.Path, 10, CancellationToken.None)).Should().ContainSingle().Subject;

        list.Count.Should().Be(3);
        list.IdColumn.Should().Be("native_id");
        list.FirstRows.Should().Equal(
            new HeldBackRow("7:17", "graph:AAMk-3", "=cmd@pref.example.jp", "INBOX"),
            new HeldBackRow("7:16", string.Empty, "suzuki@pref.example.jp", "会議, \"臨時\"\n続き"),
            new HeldBackRow("7:15", "graph:AAMk-1", "tanaka@pref.example.jp", "受信トレイ/2024"));
        (await HeldBackDeletions.ConfirmAsync(temp.Path, RunId, 3, "kanri", TimeProvider.System, CancellationToken.None)).Accepted.Should().BeTrue();
        HeldBackDeletions.ConfirmedRunId(temp.Path).Should().Be(RunId);

        // The list gone (retention): its confirmation is not offered to a run, which would fail for want of the list.
        File.Delete(list.Path);
        HeldBackDeletions.ConfirmedRunId(temp.Path).Should().BeNull();
    }

    [Fact]
    public async Task ARunThatFailedOrStopped_LeavesTheConfirmationForTheNext_AndTheNewestConfirmedListIsUsedFirst()
    {
        using var temp = new TempFolder();
        const string Older = "20261205T010000Z-00000001";
        const string Newer = "20261206T010000Z-00000002";
        foreach (var runId in new[] { Older, Newer })
        {
            Common.PendingDeletions.Write(temp.Path, runId, "employee_id", [("E001", "user1@pref.example.jp"), ("E002", null)]);
            (await HeldBackDeletions.ConfirmAsync(temp.Path, runId, 2, "kanri", TimeProvider.System, CancellationToken.None)).Accepted.Should().BeTrue();
        }

        HeldBackDeletions.ConfirmedRunId(temp.Path).Should().Be(Newer);
        foreach (var outcome in new[] { RunOutcome.Failed, RunOutcome.Stopped, RunOutcome.Interrupted, RunOutcome.Running })
        {
            HeldBackDeletions.MarkAppliedAfterRun(temp.Path, Newer, Result(outcome), dryRun: false).Should().BeFalse(outcome.ToString());
        }

        HeldBackDeletions.MarkAppliedAfterRun(temp.Path, Newer, Result(RunOutcome.Succeeded) with { CompletedHere = false }, dryRun: false)
            .Should().BeFalse("another node completes a cluster run");
        HeldBackDeletions.MarkAppliedAfterRun(temp.Path, Newer, Result(RunOutcome.Succeeded), dryRun: true).Should().BeFalse();
        HeldBackDeletions.ConfirmedRunId(temp.Path).Should().Be(Newer);

        HeldBackDeletions.MarkAppliedAfterRun(temp.Path, Newer, Result(RunOutcome.CompletedWithQuarantine), dryRun: false).Should().BeTrue();
        HeldBackDeletions.MarkAppliedAfterRun(temp.Path, Newer, Result(RunOutcome.Succeeded), dryRun: false).Should().BeFalse("applied once");
        HeldBackDeletions.ConfirmedRunId(temp.Path).Should().Be(Older);
    }

    private static RunResult Result(RunOutcome outcome) => new(
        new LedgerRun { RunId = "20261207T020000Z-0000000f", Job = "staff", Node = "n1", Outcome = outcome, EndedUtc = DateTime.UtcNow }, []);
}

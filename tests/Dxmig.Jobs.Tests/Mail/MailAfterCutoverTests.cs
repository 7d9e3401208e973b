using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// Mail after cutover on every target, through the job layer with <c>deletions: mirror</c>: new mail, a flag change, a
/// keyword change, a deletion mirrored, and a message the user deleted on the target whose flags then changed on the
/// source (skipped by the rule <c>target-deleted</c>, not re-created, not a failure); the run's reconciliation has
/// nothing missing, doubled or different, and the next run has nothing to do.
/// </summary>
public sealed class MailAfterCutoverTests
{
    private const string NewSubject = "カットオーバー後の新着 ①";

    /// <summary>The four INBOX messages changed on the source (a: flagged and unread; b: a keyword; c: expunged; d: flagged, deleted on the target).</summary>
    private sealed record Changed(ManifestMessage Flagged, ManifestMessage Keyword, ManifestMessage Expunged, ManifestMessage TargetDeleted);

    private static async Task<Changed> ChangeSourceAsync(DovecotServer source, CorpusManifest manifest, string user)
    {
        var inbox = manifest[user].InFolder("INBOX").ToList();
        var unflagged = inbox.Where(m => !m.Flags.HasFlag(MessageFlags.Flagged) && m.Flags.HasFlag(MessageFlags.Seen)).ToList();
        unflagged.Should().HaveCountGreaterThanOrEqualTo(2, "the corpus has read, unflagged mail in the INBOX");
        var rest = inbox.Except(unflagged.Take(2)).Where(m => !m.Keywords.Contains("$Label3")).ToList();
        var changed = new Changed(unflagged[0], rest[0], rest[1], unflagged[1]);
        using var client = await source.ConnectAsMasterAsync(user);
        var folder = await MailRunHarness.OpenSourceAsync(client, "INBOX");
        UniqueId Uid(ManifestMessage m) => new(m.UidValidity, m.Uid);
        await folder.AddFlagsAsync([Uid(changed.Flagged), Uid(changed.TargetDeleted)], MessageFlags.Flagged, silent: true);
        await folder.RemoveFlagsAsync([Uid(changed.Flagged)], MessageFlags.Seen, silent: true);
        await folder.AddFlagsAsync([Uid(changed.Keyword)], MessageFlags.None, ["$Label3"], silent: true);
        await folder.AddFlagsAsync([Uid(changed.Expunged)], MessageFlags.Deleted, silent: true);
        await folder.ExpungeAsync();
        await folder.AppendAsync(new MimeKit.MimeMessage(
            [new MimeKit.MailboxAddress("新着", "new@example.jp")], [new MimeKit.MailboxAddress("田中", "tanaka@example.jp")], NewSubject, new MimeKit.TextPart("plain") { Text = "本文" }));
        await client.DisconnectAsync(true);
        return changed;
    }

    /// <summary>Expunges on an IMAP target the message whose bytes have this SHA-256, as the user would.</summary>
    private static async Task DeleteOnImapTargetAsync(DovecotServer target, string login, IReadOnlyList<StoredMessage> messages, string sha256)
    {
        var message = messages.Single(m => m.Sha256 == sha256);
        using var client = await target.ConnectAsMasterAsync(login);
        var folder = await client.GetFolderAsync(message.Folder);
        await folder.OpenAsync(FolderAccess.ReadWrite);
        var uid = new UniqueId(folder.UidValidity, message.Uid);
        await folder.AddFlagsAsync([uid], MessageFlags.Deleted, silent: true);
        await folder.ExpungeAsync([uid]);
        await client.DisconnectAsync(true);
    }

    private static void AssertRun(JobRun run, string explain)
    {
        run.Run.Outcome.Should().Be(RunOutcome.Succeeded, "a target-deleted skip is no failure and no warning: " + explain);
        // The user's own deletion on the new mailbox is listed (deleted on the target), not an exception: exit 0.
        run.ExitCode.Should().Be(ExitCodes.Success, explain);
        (run.Run.Loaded, run.Run.Removed, run.Run.Skipped).Should().Be((3, 1, 1), "the new message, two flag/keyword changes; one deletion mirrored; one change skipped as target-deleted: " + explain);
        run.Balanced.Should().BeTrue();
        var summary = ReportSummary.Read(run.Reconciliation!.Folder);
        var totals = summary["totals"]!;
        (totals["missing"]!.GetValue<long>(), totals["doubled"]!.GetValue<long>(), totals["differences"]!.GetValue<long>())
            .Should().Be((0L, 0L, 0L), "reconciled clean: " + summary.ToJsonString());
        summary["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(0, summary.ToJsonString());
        summary["verdicts"]!["completeWithExceptions"]!.GetValue<int>().Should().Be(0, summary.ToJsonString());
        (totals["deletedOnTarget"]!.GetValue<long>(), totals["exceptions"]!.GetValue<long>(), totals["completionPercent"]!.GetValue<double>())
            .Should().Be((1L, 0L, 100.0), summary.ToJsonString());
        File.ReadAllText(Path.Combine(run.Reconciliation.Folder, "deleted-on-target.csv")).Should().Contain("target-deleted", "the report names the rule");
    }

    private static async Task AssertLedgerAsync(JobWorkspace workspace, Changed changed)
    {
        var items = await workspace.LedgerItemsAsync();
        var deleted = items.Single(i => i.Container == "INBOX" && i.NativeId == $"{changed.TargetDeleted.UidValidity}:{changed.TargetDeleted.Uid}");
        (deleted.State, deleted.Code).Should().Be((ItemState.Skipped, "target-deleted"));
        items.Single(i => i.Container == "INBOX" && i.NativeId == $"{changed.Expunged.UidValidity}:{changed.Expunged.Uid}").State.Should().Be(ItemState.Removed);
    }

    private static async Task AssertNextRunIdleAsync(JobLayer jobs, string job)
    {
        var idle = await jobs.RunAsync(job);
        idle.Run.Outcome.Should().Be(RunOutcome.Succeeded, idle.Explain);
        (idle.Run.Seen, idle.Run.Loaded, idle.Run.Removed).Should().Be((0, 0, 0), "nothing left to do, and the target-deleted message is not re-created");
    }

    [Fact]
    public async Task Graph_AfterCutover_NewMailFlagsKeywordsMirroredDeletionAndTargetDeleted_ReconcileClean()
    {
        await using var mail = await MailGraphHarness.StartAsync(["tanaka"], messages: 24);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(MailGraphHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var upn = MailGraphHarness.Upn("tanaka");
        var changed = await ChangeSourceAsync(mail.Source, mail.Manifest, "tanaka");
        mail.Graph.Store.DeleteMessage(upn, mail.TargetBySha("tanaka")[changed.TargetDeleted.Sha256].Single().Id).Should().BeTrue();

        var run = await jobs.RunAsync(MailGraphHarness.Job);

        AssertRun(run, run.Explain);
        await AssertLedgerAsync(mail.Workspace, changed);
        var target = mail.TargetBySha("tanaka");
        var flagged = target[changed.Flagged.Sha256].Single();
        (flagged.FlagStatus, flagged.IsRead).Should().Be(("flagged", false), "PATCH carried the flag changes");
        (target[changed.Keyword.Sha256].Single().ExtendedProperty(GraphMessageBuilder.KeywordsProperty) ?? string.Empty).Split(' ').Should().Contain("$Label3");
        target[changed.Expunged.Sha256].Should().BeEmpty("the deletion was mirrored");
        target[changed.TargetDeleted.Sha256].Should().BeEmpty("a message the user deleted on the target is not re-created");
        mail.Graph.Store.AllMessages(upn).Should().ContainSingle(m => m.Subject == NewSubject);
        mail.Graph.Store.AllMessages(upn).Should().HaveCount(mail.Manifest["tanaka"].Messages.Count - 2 + 1);
        await AssertNextRunIdleAsync(jobs, MailGraphHarness.Job);
    }

    [Fact]
    public async Task Imap_AfterCutover_NewMailFlagsKeywordsMirroredDeletionAndTargetDeleted_ReconcileClean()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 24);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(MailRunHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var changed = await ChangeSourceAsync(mail.Source, mail.Manifest, "tanaka");
        await DeleteOnImapTargetAsync(mail.Target, "tanaka", await mail.TargetMessagesAsync("tanaka"), changed.TargetDeleted.Sha256);

        var run = await jobs.RunAsync(MailRunHarness.Job);

        AssertRun(run, run.Explain);
        await AssertLedgerAsync(mail.Workspace, changed);
        var target = await mail.TargetMessagesAsync("tanaka");
        var flagged = target.Single(m => m.Sha256 == changed.Flagged.Sha256);
        (flagged.Flags.HasFlag(MessageFlags.Flagged), flagged.Flags.HasFlag(MessageFlags.Seen)).Should().Be((true, false));
        target.Single(m => m.Sha256 == changed.Keyword.Sha256).Keywords.Should().Contain("$Label3");
        target.Should().NotContain(m => m.Sha256 == changed.Expunged.Sha256 || m.Sha256 == changed.TargetDeleted.Sha256);
        target.Should().HaveCount(mail.Manifest["tanaka"].Messages.Count - 2 + 1);
        await AssertNextRunIdleAsync(jobs, MailRunHarness.Job);
    }

    [Fact]
    public async Task ExoImap_AfterCutover_NewMailFlagsMirroredDeletionAndTargetDeleted_ReconcileClean()
    {
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], messages: 24);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(ExoImapHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var changed = await ChangeSourceAsync(mail.Source, mail.Manifest, "tanaka");
        await DeleteOnImapTargetAsync(mail.Exchange.Dovecot, ExoImapHarness.Upn("tanaka"), await mail.TargetMessagesAsync("tanaka"), changed.TargetDeleted.Sha256);

        var run = await jobs.RunAsync(ExoImapHarness.Job);

        AssertRun(run, run.Explain);
        await AssertLedgerAsync(mail.Workspace, changed);
        var target = await mail.TargetMessagesAsync("tanaka");
        var flagged = target.Single(m => m.Sha256 == changed.Flagged.Sha256);
        (flagged.Flags.HasFlag(MessageFlags.Flagged), flagged.Flags.HasFlag(MessageFlags.Seen)).Should().Be((true, false));
        target.Should().NotContain(m => m.Sha256 == changed.Expunged.Sha256 || m.Sha256 == changed.TargetDeleted.Sha256);
        target.Should().HaveCount(mail.Manifest["tanaka"].Messages.Count - 2 + 1);
        await AssertNextRunIdleAsync(jobs, ExoImapHarness.Job);
    }
}

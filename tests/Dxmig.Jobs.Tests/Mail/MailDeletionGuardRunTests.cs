using Dxmig.Jobs.Mail;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// <c>deletions: mirror</c> behind the same guard as the other kinds, IMAP → IMAP through the job layer between two
/// private Dovecot servers: a folder emptied by mistake is held, listed and removed only when confirmed; the run-wide
/// count holds the mailbox that would pass it.
/// </summary>
public sealed class MailDeletionGuardRunTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki"];
    private MailRunHarness mail = null!;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(Users, messages: 30);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
    }

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private Task<JobRun> RunAsync(string? confirm = null) => new JobLayer(mail.Workspace).RunAsync(MailRunHarness.Job, confirmDeletes: confirm);

    private string Logs => Path.Combine(mail.Workspace.Folder, "home", "logs", "mail-imap-to-imap");

    private async Task ExpungeAsync(string user, string folder, IEnumerable<Sandbox.ManifestMessage> messages)
    {
        using var client = await mail.Source.ConnectAsMasterAsync(user);
        var open = await MailRunHarness.OpenSourceAsync(client, folder);
        await open.AddFlagsAsync(messages.Select(m => new UniqueId(m.UidValidity, m.Uid)).ToList(), MessageFlags.Deleted, silent: true);
        await open.ExpungeAsync();
    }

    private static string RunIdOf(string pending) => Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];

    [Fact]
    public async Task Run_AFolderEmptiedByMistake_IsHeldListedAndRemovedOnlyWhenConfirmed_ExactlyAsListed()
    {
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        (await RunAsync()).ExitCode.Should().Be(ExitCodes.Success);
        var inbox = mail.Manifest["tanaka"].InFolder("INBOX").ToList();
        var drafts = mail.Manifest["tanaka"].InFolder("下書き").ToList();
        var suzukiInbox = mail.Manifest["suzuki"].InFolder("INBOX").ToList();
        inbox.Should().HaveCountGreaterThan(2);
        drafts.Should().NotBeEmpty();
        suzukiInbox.Should().HaveCountGreaterThan(2);
        await ExpungeAsync("tanaka", "INBOX", inbox);
        await ExpungeAsync("suzuki", "INBOX", suzukiInbox.Take(1));

        var held = await RunAsync();

        held.ExitCode.Should().Be(ExitCodes.Quarantined, "a held mass deletion needs attention: " + held.Explain);
        held.Run.Outcome.Should().Be(RunOutcome.CompletedWithWarnings);
        held.Run.Message.Should().Contain("要確認").And.Contain("--confirm-deletes").And.Contain("needs attention");
        held.Account("tanaka").Warnings.Should().ContainSingle(w => w.Contains("INBOX", StringComparison.Ordinal) && w.Contains("50%", StringComparison.Ordinal));
        held.Account("suzuki").Warnings.Should().BeEmpty();
        held.Run.Removed.Should().Be(1, "suzuki's one deletion is within the threshold");
        (await mail.TargetMessagesAsync("tanaka")).Where(m => m.Folder == "INBOX").Should().HaveCount(inbox.Count, "nothing of the emptied folder is deleted");
        (await mail.TargetMessagesAsync("suzuki")).Where(m => m.Folder == "INBOX").Should().HaveCount(suzukiInbox.Count - 1);
        var pending = Directory.GetFiles(Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        var lines = File.ReadAllLines(pending);
        lines[0].TrimStart('\uFEFF').Should().Be("account,folder,native_id,target_key");
        lines.Skip(1).Should().HaveCount(inbox.Count).And.OnlyContain(l => l.StartsWith("tanaka,INBOX,", StringComparison.Ordinal) && l.Contains(",imap:", StringComparison.Ordinal));
        lines.Skip(1).Select(l => l.Split(',')[2]).Should().BeEquivalentTo(inbox.Select(m => $"{m.UidValidity}:{m.Uid}"));

        // Not confirmed: the next run compares the folder again (its checkpoint kept) and holds it again.
        var again = await RunAsync();
        again.ExitCode.Should().Be(ExitCodes.Quarantined, again.Explain);
        again.Run.Removed.Should().Be(0);
        Directory.GetFiles(Logs, "pending-deletions-*.csv").Should().HaveCount(2);

        // Before confirming, the drafts go too: not on the confirmed list, so they stay held.
        await ExpungeAsync("tanaka", "下書き", drafts);
        var confirmed = await RunAsync(confirm: RunIdOf(pending));

        confirmed.ExitCode.Should().Be(ExitCodes.Quarantined, "the drafts were not confirmed: " + confirmed.Explain);
        confirmed.Run.Removed.Should().Be(inbox.Count, "exactly the listed removals");
        var target = await mail.TargetMessagesAsync("tanaka");
        target.Where(m => m.Folder == "INBOX").Should().BeEmpty();
        target.Where(m => m.Folder == "Drafts").Should().HaveCount(drafts.Count);
        var latest = Directory.GetFiles(Logs, "pending-deletions-*.csv").Select(p => (Path: p, Lines: File.ReadAllLines(p))).Single(p => p.Lines.Skip(1).Any(l => l.Contains("下書き", StringComparison.Ordinal)));
        latest.Lines.Skip(1).Should().HaveCount(drafts.Count).And.OnlyContain(l => l.StartsWith("tanaka,下書き,", StringComparison.Ordinal));
        var ledger = await mail.Workspace.LedgerItemsAsync();
        ledger.Where(i => i.Account == "tanaka" && i.Container == "INBOX").Should().OnlyContain(i => i.State == ItemState.Removed);

        var reconciled = await new JobLayer(mail.Workspace).ReconcileAsync(MailRunHarness.Job, Path.Combine(mail.Workspace.Folder, "report"));
        reconciled.ExitCode.Should().NotBe(ExitCodes.Failed, reconciled.Explain);
    }

    [Fact]
    public async Task Run_RemovalsOverTheRunWideCount_HoldTheMailboxThatWouldPassIt()
    {
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "100";
        mail.Workspace.Environment["DXMIG_DELETION_COUNT"] = "3";
        (await RunAsync()).ExitCode.Should().Be(ExitCodes.Success);
        foreach (var user in Users)
        {
            await ExpungeAsync(user, "INBOX", mail.Manifest[user].InFolder("INBOX").Take(2));
        }

        var run = await RunAsync();

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Removed.Should().Be(2, "the first mailbox's two fit the count of 3, the second's would pass it");
        var heldAccount = Users.Single(u => run.Account(u).Warnings.Count > 0);
        run.Account(heldAccount).Warnings.Should().ContainSingle(w => w.Contains("threshold of 3", StringComparison.Ordinal));
        var pending = Directory.GetFiles(Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        File.ReadAllLines(pending).Skip(1).Should().HaveCount(2).And.OnlyContain(l => l.StartsWith(heldAccount + ",INBOX,", StringComparison.Ordinal));

        var confirmed = await RunAsync(confirm: RunIdOf(pending));

        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        confirmed.Run.Removed.Should().Be(2);
        foreach (var user in Users)
        {
            (await mail.TargetMessagesAsync(user)).Where(m => m.Folder == "INBOX").Should().HaveCount(mail.Manifest[user].InFolder("INBOX").Count() - 2);
        }
    }

    [Fact]
    public void PendingList_Cells_RoundTripFolderNamesWithCommasQuotesAndFormulaCharacters()
    {
        using var temp = new TestSupport.TempFolder();
        var removals = new[]
        {
            new Extractors.Imap.MailRemoval("tanaka", "顧客 (重要),\"至急\"", "7:1", "imap:9:1:顧客 (重要),\"至急\""),
            new Extractors.Imap.MailRemoval("=cmd", "-x", "7:2", null),
        };

        MailPendingDeletions.Write(temp.Path, "R1", removals);
        var keys = MailPendingDeletions.Read(temp.Path, "R1");

        keys.Should().BeEquivalentTo(removals.Select(r => r.Key));
    }
}

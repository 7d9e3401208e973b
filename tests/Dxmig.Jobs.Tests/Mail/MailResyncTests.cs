using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// How a later run finds what changed, through the job layer: with QRESYNC the vanished UIDs come from the server's
/// VANISHED answer; from a server that announces neither CONDSTORE nor QRESYNC (Dovecot's <c>imap_capability</c>) every
/// flag is compared with the ledger and every UID listed, and flags and deletions still arrive.
/// </summary>
public sealed class MailResyncTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_AfterCutover_FlagsAndDeletionsArrive_WithQResyncOrWithNeitherExtension(bool sourceWithoutCondStoreOrQResync)
    {
        await using var mail = await MailRunHarness.StartAsync(
            ["tanaka"], messages: 24,
            sourceSetup: sourceWithoutCondStoreOrQResync ? o => o with { ImapCapability = DovecotOptions.WithoutCondStoreQResyncMove } : null);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(MailRunHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var inbox = mail.Manifest["tanaka"].InFolder("INBOX").ToList();
        var (flagged, gone) = (inbox.First(m => !m.Flags.HasFlag(MessageFlags.Flagged)), inbox.Last());
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.QuickResync).Should().Be(!sourceWithoutCondStoreOrQResync);
            var folder = await MailRunHarness.OpenSourceAsync(client, "INBOX");
            await folder.AddFlagsAsync([new UniqueId(flagged.UidValidity, flagged.Uid)], MessageFlags.Flagged, silent: true);
            await folder.AddFlagsAsync([new UniqueId(gone.UidValidity, gone.Uid)], MessageFlags.Deleted, silent: true);
            await folder.ExpungeAsync();
        }

        var logs = Path.Combine(mail.Workspace.Folder, "home", "logs");
        var before = Directory.Exists(logs) ? Directory.GetFiles(logs, "*", SearchOption.AllDirectories).ToHashSet() : [];

        var run = await jobs.RunAsync(MailRunHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        (run.Run.Loaded, run.Run.Removed).Should().Be((1, 1), run.Explain);
        var target = (await mail.TargetMessagesAsync("tanaka")).Where(m => m.Folder == "INBOX").ToList();
        target.Should().HaveCount(inbox.Count - 1).And.NotContain(m => m.Sha256 == gone.Sha256);
        target.Single(m => m.Sha256 == flagged.Sha256).Flags.HasFlag(MessageFlags.Flagged).Should().BeTrue();
        var log = string.Concat(Directory.GetFiles(logs, "*", SearchOption.AllDirectories).Where(f => !before.Contains(f)).Select(File.ReadAllText));
        log.Should().Contain(sourceWithoutCondStoreOrQResync ? "UID SEARCH ALL" : "QRESYNC VANISHED");
        log.Should().NotContain(sourceWithoutCondStoreOrQResync ? "QRESYNC VANISHED" : "UID SEARCH ALL", "one way or the other for every folder");
    }
}

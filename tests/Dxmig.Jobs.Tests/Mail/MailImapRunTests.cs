using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using MailKit;
using MailKit.Search;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary><c>kind: mail</c> IMAP → IMAP through the job layer, between two private Dovecot servers.</summary>
public sealed class MailImapRunTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki"];
    private MailRunHarness mail = null!;

    public async Task InitializeAsync() => mail = await MailRunHarness.StartAsync(Users);

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private static Task<JobRun> RunAsync(MailRunHarness harness) => new JobLayer(harness.Workspace).RunAsync(MailRunHarness.Job);

    [Fact]
    public async Task Run_ExampleJob_CopiesEveryMailboxByteForByteWithFlagsKeywordsAndDates()
    {
        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Balanced.Should().BeTrue();
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
            var folders = await mail.TargetFoldersAsync(user);
            folders.Should().Contain(["INBOX", "Sent", "Drafts", "Trash", "Junk", "2024年度", "2024年度/会議資料", "取引先/㈱みらい商事", "a.b.c", "顧客 (重要)"]);
            folders.Should().NotContain("送信済み", "Active! Mail's sent folder goes to the target's Sent");
        }

        var kinds = mail.Manifest.Messages.Select(m => m.Kind).Distinct().ToList();
        kinds.Should().Contain([CorpusMessageKind.Raw8BitHeaders, CorpusMessageKind.NoMessageId, CorpusMessageKind.BrokenBoundary, CorpusMessageKind.BadBase64, CorpusMessageKind.Iso2022Jp]);
    }

    [Fact]
    public async Task Run_SecondTimeWithNoChanges_ReadsNothingAndWritesNothing()
    {
        await RunAsync(mail);

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success);
        new[] { run.Run.Seen, run.Run.Loaded, run.Run.Removed, run.Run.Skipped, run.Run.Quarantined, run.Run.AlreadyDone }.Should().OnlyContain(n => n == 0);
        run.Run.Bytes.Should().Be(0);
        foreach (var user in Users)
        {
            (await mail.TargetMessagesAsync(user)).Should().HaveCount(mail.Manifest[user].Messages.Count);
        }
    }

    [Fact]
    public async Task Run_AfterCutover_CopiesNewMailAndFlagChangesAndKeepsDeletionsByDefault()
    {
        await RunAsync(mail);
        var tanaka = mail.Manifest["tanaka"];
        var inbox = tanaka.InFolder("INBOX").ToList();
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var folder = await MailRunHarness.OpenSourceAsync(client, "INBOX");
            await folder.AddFlagsAsync([new UniqueId(inbox[0].UidValidity, inbox[0].Uid)], MessageFlags.Flagged, silent: true);
            await folder.RemoveFlagsAsync([new UniqueId(inbox[0].UidValidity, inbox[0].Uid)], MessageFlags.Seen, silent: true);
            await folder.AddFlagsAsync([new UniqueId(inbox[1].UidValidity, inbox[1].Uid)], MessageFlags.None, ["$Label3"], silent: true);
            await folder.AddFlagsAsync([new UniqueId(inbox[2].UidValidity, inbox[2].Uid)], MessageFlags.Deleted, silent: true);
            await folder.ExpungeAsync();
            await folder.AppendAsync(new MimeKit.MimeMessage(
                [new MimeKit.MailboxAddress("新着", "new@example.jp")], [new MimeKit.MailboxAddress("田中", "tanaka@example.jp")], "移行後の新着 ①", new MimeKit.TextPart("plain") { Text = "本文" }));
        }

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        (run.Run.Loaded, run.Run.Removed).Should().Be((3, 0), "one new message and two flag changes");
        var target = (await mail.TargetMessagesAsync("tanaka")).Where(m => m.Folder == "INBOX").ToList();
        target.Should().HaveCount(inbox.Count + 1, "the deleted message stays with the keep policy, the new one arrives");
        var first = target.Single(m => m.Sha256 == inbox[0].Sha256);
        first.Flags.HasFlag(MessageFlags.Flagged).Should().BeTrue();
        first.Flags.HasFlag(MessageFlags.Seen).Should().BeFalse();
        target.Single(m => m.Sha256 == inbox[1].Sha256).Keywords.Should().Contain("$Label3");
    }

    [Fact]
    public async Task Run_MirrorPolicy_DeletesWhatVanished_AndRefusesAMassDeletion()
    {
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        await RunAsync(mail);
        var inbox = mail.Manifest["tanaka"].InFolder("INBOX").ToList();
        var drafts = mail.Manifest["tanaka"].InFolder("下書き").ToList();
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var folder = await MailRunHarness.OpenSourceAsync(client, "INBOX");
            await folder.AddFlagsAsync([new UniqueId(inbox[0].UidValidity, inbox[0].Uid)], MessageFlags.Deleted, silent: true);
            await folder.ExpungeAsync();
            var draftFolder = await MailRunHarness.OpenSourceAsync(client, "下書き");
            await draftFolder.AddFlagsAsync(drafts.Select(d => new UniqueId(d.UidValidity, d.Uid)).ToList(), MessageFlags.Deleted, silent: true);
            await draftFolder.ExpungeAsync();
        }

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, "a refused mass deletion needs attention: " + run.Explain);
        run.Account("tanaka").Warnings.Should().Contain(w => w.Contains("下書き", StringComparison.Ordinal) && w.Contains("threshold", StringComparison.Ordinal));
        run.Run.Removed.Should().Be(1);
        var target = await mail.TargetMessagesAsync("tanaka");
        target.Where(m => m.Folder == "INBOX").Should().HaveCount(inbox.Count - 1).And.NotContain(m => m.Sha256 == inbox[0].Sha256);
        target.Where(m => m.Folder == "Drafts").Should().HaveCount(drafts.Count, "deleting every draft is over the 10% threshold: nothing is deleted");
    }

    [Fact]
    public async Task Run_SourceFolderUidValidityReset_DoesNotDoubleAnything()
    {
        await RunAsync(mail);
        var folder = "取引先/㈱みらい商事";
        var messages = mail.Manifest["tanaka"].InFolder(folder).ToList();
        messages.Should().NotBeEmpty();
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            // Recreate the folder with the same messages: new UIDVALIDITY, new UIDs.
            var source = await client.GetFolderAsync(folder);
            await source.OpenAsync(FolderAccess.ReadOnly);
            var copies = new List<(MimeKit.MimeMessage Message, MessageFlags Flags, DateTimeOffset Date)>();
            foreach (var m in messages)
            {
                copies.Add((await source.GetMessageAsync(new UniqueId(m.UidValidity, m.Uid)), m.Flags, m.InternalDate));
            }

            await source.CloseAsync();
            await source.DeleteAsync();
            var parent = await client.GetFolderAsync("取引先");
            var recreated = await parent.CreateAsync("㈱みらい商事", true);
            foreach (var (message, flags, date) in copies)
            {
                await recreated!.AppendAsync(message, flags, date);
            }

            await recreated!.OpenAsync(FolderAccess.ReadOnly);
            recreated.UidValidity.Should().NotBe(messages[0].UidValidity);
        }

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var target = (await mail.TargetMessagesAsync("tanaka")).Where(m => m.Folder == folder).ToList();
        target.Should().HaveCount(messages.Count, "every re-read message was matched on the target, none appended again");
    }

    [Theory]
    [InlineData("source")]
    [InlineData("target")]
    public async Task Run_ServerRestartedMidRun_ReconnectsAndFinishesWithNothingLostOrDoubled(string side)
    {
        await using var big = await MailRunHarness.StartAsync([.. Enumerable.Range(1, 4).Select(i => $"user{i:00}")], messages: 300);
        var server = side == "source" ? big.Source : big.Target;
        var running = RunAsync(big);
        await big.Workspace.WaitForLoadedAsync(minimumLoaded: 150, process: null);
        running.IsCompleted.Should().BeFalse("the restart must land mid-run for this test to mean anything");
        await server.RestartAsync();

        var run = await running;

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        foreach (var mailbox in big.Manifest.Mailboxes)
        {
            await big.AssertTargetHoldsAsync(mailbox.User, mailbox.Messages.Select(m => m.ToStored()));
        }
    }

    [Fact]
    public async Task Run_MessagesOverTheTargetLimit_AreQuarantinedWithTheReasonAndTheRestArrive()
    {
        await using var limited = await MailRunHarness.StartAsync(["tanaka"], messages: 40, targetMaxMessageSize: 20_000);
        var tooBig = limited.Manifest["tanaka"].Messages.Where(m => m.Size > 20_000).ToList();
        tooBig.Should().NotBeEmpty("the corpus has attachments over 20 KB");

        var run = await RunAsync(limited);

        run.ExitCode.Should().Be(ExitCodes.Quarantined);
        run.Quarantined.Should().Contain(i => i.Code == "too-large-for-target" && i.Message!.Contains("APPENDLIMIT", StringComparison.Ordinal));
        run.Run.Quarantined.Should().Be(tooBig.Count);
        await limited.AssertTargetHoldsAsync("tanaka", limited.Manifest["tanaka"].Messages.Where(m => m.Size <= 20_000).Select(m => m.ToStored()));
    }

    [Fact]
    public async Task Run_RepairOption_RewritesOnlyRaw8BitHeadersAndRecordsEachRepairedMessage()
    {
        mail.Workspace.Environment["DXMIG_DST_REPAIR_8BIT"] = "true";

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var raw = mail.Manifest["tanaka"].Messages.Where(m => m.Kind == CorpusMessageKind.Raw8BitHeaders).ToList();
        raw.Should().NotBeEmpty();
        var target = await mail.TargetMessagesAsync("tanaka");
        var others = mail.Manifest["tanaka"].Messages.Where(m => m.Kind != CorpusMessageKind.Raw8BitHeaders).ToList();
        others.Should().OnlyContain(m => target.Any(t => t.Sha256 == m.Sha256), "messages with clean headers stay byte for byte");
        using var client = await mail.Target.ConnectAsMasterAsync("tanaka");
        foreach (var message in raw)
        {
            target.Should().NotContain(t => t.Sha256 == message.Sha256, "a raw 8-bit header is rewritten");
            var folder = await client.GetFolderAsync(MailRunHarness.TargetFolder(message.Folder));
            await folder.OpenAsync(FolderAccess.ReadOnly);
            var uids = await folder.SearchAsync(SearchQuery.HeaderContains("Message-ID", message.MessageId!));
            using var stream = await folder.GetStreamAsync(uids.Single(), string.Empty);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            var bytes = copy.ToArray();
            var headerEnd = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
            bytes.AsSpan(0, headerEnd).ToArray().Should().OnlyContain(b => b < 0x80);
        }

        await using var ledger = new Platform.Ledger.LedgerDbContext(Platform.Storage.StoreContextFactory.CreateOptions<Platform.Ledger.LedgerDbContext>(Platform.Storage.StoreLocation.Parse(mail.Workspace.Ledger, "/")));
        var repaired = ledger.Items.Where(i => i.Account == "tanaka" && i.Message != null && i.Message.Contains("repaired-8bit-headers")).Count();
        repaired.Should().Be(raw.Count);
    }
}

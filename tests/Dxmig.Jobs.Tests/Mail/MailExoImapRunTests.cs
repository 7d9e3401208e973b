using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// <c>target: type: exo-imap</c> through the job layer into the exo-imap sandbox: Dovecot validating the app's tokens
/// against the Graph emulator's token service, as Exchange Online's IMAP with app-only OAuth does.
/// </summary>
public sealed class MailExoImapRunTests
{
    private static readonly string[] Users = ["tanaka", "suzuki"];

    [Fact]
    public async Task Run_ExampleJob_CopiesByteForByteIntoTheJapaneseSpecialFoldersWithFlagsAndDates()
    {
        await using var mail = await ExoImapHarness.StartAsync(Users);
        var jobs = new JobLayer(mail.Workspace);

        var run = await jobs.RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
            (await mail.TargetFoldersAsync(user)).Should().NotContain(["Sent", "Drafts", "Trash", "Junk"], "the mailbox's own special folders are used");
        }

        mail.Graph.Stats.TotalRequests(Operations.ExchangeImapIntrospect).Should().BeGreaterThan(0, "every login's token was checked by the sandbox");
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(2, run.Explain);

        var again = await jobs.RunAsync(ExoImapHarness.Job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Loaded.Should().Be(0, "the no-change pass appends nothing");
    }

    [Fact]
    public async Task Run_AppWithoutAccessToOneMailbox_FailsThatAccountOnlyWithAPlainMessage()
    {
        await using var mail = await ExoImapHarness.StartAsync(
            Users, messages: 10, graphOptions: o => new GraphEmulatorOptions { Users = o.Users, UsersWithoutMailboxAccess = [ExoImapHarness.Upn("suzuki")] });

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().NotBe(ExitCodes.Success);
        await mail.AssertTargetHoldsAsync("tanaka", mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()));
        (await mail.TargetMessagesAsync("suzuki")).Should().BeEmpty();
        run.Explain.Should().Contain("FullAccess").And.Contain("IMAP.AccessAsApp").And.Contain("suzuki");
    }

    [Fact]
    public async Task Run_ThrottledAnswers_AreWaitedOutAsAskedAndNothingIsLostOrDoubled()
    {
        // Exchange's budget is not documented: here a mailbox that sends more than 15 commands in a second is told to
        // back off for 1.2 s, as Exchange does with "Suggested Backoff Time", and every command inside it is refused.
        var backoff = TimeSpan.FromMilliseconds(1200);
        await using var mail = await ExoImapHarness.StartAsync(Users, proxyOptions: o => o with { MaxCommandsPerSecond = 15, RateLimitBackoff = backoff });
        var started = DateTimeOffset.UtcNow;

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain + "\n" + mail.Proxy);
        var (lost, doubled) = await mail.LossAsync(Users);
        ChaosTally.Record("imap→exo-imap, throttling: Suggested Backoff Time (15 commands/s, 1.2 s), disconnect after 10 errors",
            mail.Proxy.ThrottledAnswers + mail.Proxy.Disconnects, kills: 0, runs: 1, mail.Manifest.Messages.Count(), lost, doubled);
        (lost, doubled).Should().Be((0, 0));
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
        }

        mail.Proxy.ThrottledAnswers.Should().BeGreaterThan(0, "the budget was hit");
        // The last throttled answer on each connection is followed by the client's next command only once the wait asked
        // for is over (commands already in flight when it came are refused too; they were sent before the answer).
        foreach (var last in mail.Proxy.Throttled.GroupBy(t => t.Connection).Select(g => g.MaxBy(t => t.AnsweredAt)!))
        {
            if (last.WaitedBeforeNextCommand is { } waited)
            {
                waited.Should().BeGreaterThanOrEqualTo(last.Backoff, $"connection {last.Connection} waited {waited.TotalMilliseconds:F0} ms after {last.Command}");
            }
        }

        (DateTimeOffset.UtcNow - started).Should().BeGreaterThan(backoff, "the waits took time");
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(2, run.Explain);
    }

    [Fact]
    public async Task Run_MessagesOverExchangesSizeLimit_AreQuarantinedWithTheReasonAndTheRestArrive()
    {
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], proxyOptions: o => o with { MaxMessageSize = 20_000 });

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        var large = mail.Manifest["tanaka"].Messages.Where(m => m.Size > 20_000).ToList();
        large.Should().NotBeEmpty("the corpus has attachments over the limit");
        run.Result.Run.Quarantined.Should().Be(large.Count, run.Explain);
        run.Console.Quarantined.Should().OnlyContain(q => q.Message!.Contains("Maximum size of appendable message"));
        var (lost, doubled) = await mail.LossAsync(["tanaka"], m => m.Size <= 20_000);
        (lost, doubled).Should().Be((0, 0), "every message under the limit arrives once, the pipelined refusals notwithstanding");
    }

    [Fact]
    public async Task Run_FolderNameExchangeReserves_IsCreatedWithAnUnderscoreAndNoted()
    {
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], messages: 5);
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var files = (await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Files", isMessageFolder: true))!;
            await files.AppendAsync(new MailKit.AppendRequest(MimeKit.MimeMessage.CreateFromMailMessage(new System.Net.Mail.MailMessage("a@pref.example.jp", "b@pref.example.jp", "資料", "本文"))));
            await client.DisconnectAsync(true);
        }

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var folders = await mail.TargetFoldersAsync("tanaka");
        folders.Should().Contain("Files_").And.NotContain("Files");
        (await mail.TargetMessagesAsync("tanaka")).Should().ContainSingle(m => m.Folder == "Files_");
        await using var ledger = new Platform.Ledger.LedgerDbContext(Platform.Storage.StoreContextFactory.CreateOptions<Platform.Ledger.LedgerDbContext>(Platform.Storage.StoreLocation.Parse(mail.Workspace.Ledger, "/")));
        ledger.Items.Count(i => i.Message != null && i.Message.Contains("target-reserved-name 'Files' → 'Files_'")).Should().Be(1);
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, "the reconciliation knows where the renamed folder went: " + run.Explain);
    }

    [Fact]
    public async Task Run_SignedAndEncryptedMessages_StayByteExactAndTheSignatureStillVerifies()
    {
        using var smime = new SmimeSamples();
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], messages: 5);
        await MailSmimeTests.AppendToSourceAsync(mail.Source, "tanaka", smime.SignedMessage());
        await MailSmimeTests.AppendToSourceAsync(mail.Source, "tanaka", smime.EncryptedMessage());
        var signed = await MailSmimeTests.SourceBytesAsync(mail.Source, "tanaka", MailSmimeTests.SmimeSubject);

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        using var client = await mail.Exchange.Dovecot.ConnectAsMasterAsync(ExoImapHarness.Upn("tanaka"));
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        byte[] Read(MailKit.UniqueId uid)
        {
            using var stream = client.Inbox.GetStream(uid, string.Empty);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        var arrived = Read((await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(MailSmimeTests.SmimeSubject))).Single());
        arrived.Should().Equal(signed, "the byte-exact path keeps every byte");
        smime.SignatureVerifies(arrived).Should().BeTrue("the signature still verifies after migration");
        var encrypted = Read((await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains("暗号化"))).Single());
        smime.Decrypt(encrypted).Should().Contain("内示", "the encrypted message still decrypts");
    }

    [Fact]
    public async Task Run_TokensExpiringMidRun_AreRenewedAndNothingIsLostOrDoubled()
    {
        // Tokens live 3 s; the budget's waits stretch the run well past that, so connections outlive their tokens: they
        // are opened again between batches, or, cut by "* BYE Session invalidated - AccessTokenExpired", retried in doubt.
        await using var mail = await ExoImapHarness.StartAsync(
            Users,
            graphOptions: o => new GraphEmulatorOptions { Users = o.Users, TokenLifetime = TimeSpan.FromSeconds(3) },
            proxyOptions: o => o with { MaxCommandsPerSecond = 20, RateLimitBackoff = TimeSpan.FromMilliseconds(700) });
        var job = mail.JobVariant("small-batches", t => t.Replace("batch-size: 100", "batch-size: 10", StringComparison.Ordinal));
        var started = DateTimeOffset.UtcNow;

        var run = await new JobLayer(mail.Workspace).RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain + "\n" + mail.Proxy + "\n" + Findings(run));
        (DateTimeOffset.UtcNow - started).Should().BeGreaterThan(TimeSpan.FromSeconds(4), "the run outlived a token");
        mail.Graph.Stats.TotalRequests(Operations.Token).Should().BeGreaterThan(1, "new tokens were asked for");
        mail.Proxy.Logins.Should().BeGreaterThan(2 * Users.Length, "connections were opened again with fresh tokens");
        (await mail.LossAsync(Users)).Should().Be((0, 0));
    }

    /// <summary>What the run's reconciliation found, for a failure message.</summary>
    private static string Findings(JobRun run) => run.Reconciliation is { } r
        ? string.Join('\n', new[] { "missing.csv", "doubled.csv", "differences.csv", "extra.csv" }
            .Select(f => Path.Combine(r.Folder, f)).Where(File.Exists).Select(f => Path.GetFileName(f) + ":\n" + File.ReadAllText(f)))
        : "(no reconciliation)";

    [Fact]
    public async Task Run_AfterCutover_CopiesNewMailFlagChangesAndMirrorsDeletions()
    {
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], messages: 12);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "50";
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(ExoImapHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        string deletedId;
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(MailKit.FolderAccess.ReadWrite);
            var uids = await inbox.SearchAsync(MailKit.Search.SearchQuery.All);
            var summaries = await inbox.FetchAsync(uids, MailKit.MessageSummaryItems.UniqueId | MailKit.MessageSummaryItems.Envelope | MailKit.MessageSummaryItems.Flags);
            var withId = summaries.Where(s => s.Envelope?.MessageId is not null).ToList();
            deletedId = withId[0].Envelope!.MessageId!;
            await inbox.AddFlagsAsync(withId[0].UniqueId, MailKit.MessageFlags.Deleted, silent: true);
            await inbox.ExpungeAsync();
            var toggle = withId[1];
            if (toggle.Flags!.Value.HasFlag(MailKit.MessageFlags.Flagged))
            {
                await inbox.RemoveFlagsAsync(toggle.UniqueId, MailKit.MessageFlags.Flagged, silent: true);
            }
            else
            {
                await inbox.AddFlagsAsync(toggle.UniqueId, MailKit.MessageFlags.Flagged, silent: true);
            }

            await inbox.AppendAsync(new MailKit.AppendRequest(MimeKit.MimeMessage.CreateFromMailMessage(new System.Net.Mail.MailMessage("a@pref.example.jp", "tanaka@pref.example.jp", "カットオーバー後の新着", "本文"))));
            await client.DisconnectAsync(true);
        }

        var after = await jobs.RunAsync(ExoImapHarness.Job);

        after.ExitCode.Should().Be(ExitCodes.Success, after.Explain);
        after.Run.Loaded.Should().Be(2, "the new message and the flag change");
        after.Run.Removed.Should().Be(1, "the deletion mirrored");
        ReportSummary.Read(after.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, "the flag change reached the target too: " + after.Explain);
        var target = await mail.TargetMessagesAsync("tanaka");
        target.Should().NotContain(m => m.MessageId != null && m.MessageId.Trim('<', '>') == deletedId.Trim('<', '>'));
        target.Should().Contain(m => m.Folder == "INBOX" && m.Size > 0);
    }

    [Theory]
    [InlineData("over the job's IMAP limit")]
    [InlineData("refused by Exchange's IMAP")]
    public async Task Run_ImapFirst_MessageImapCannotTake_GoesByGraphCountedOnceAndReconciled(string why)
    {
        await using var mail = await ExoImapHarness.StartAsync(["tanaka"], messages: 10);
        var limit = mail.Manifest.Messages.Max(m => m.Size) + 1_000;
        var big = new MimeKit.MimeMessage();
        big.From.Add(new MimeKit.MailboxAddress("総務課", "somu@pref.example.jp"));
        big.To.Add(new MimeKit.MailboxAddress("田中", "tanaka@pref.example.jp"));
        big.Subject = "大きな添付 (IMAP の上限超え)";
        big.MessageId = "big.1@pref.example.jp";
        var body = new MimeKit.BodyBuilder { TextBody = "資料を添付します。" };
        body.Attachments.Add("資料.bin", System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)limit));
        big.Body = body.ToMessageBody();
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            await client.Inbox.AppendAsync(new AppendRequest(big, MessageFlags.Seen));
            await client.DisconnectAsync(true);
        }

        mail.Workspace.Environment["DXMIG_EXO_ROUTE"] = "imap-first";
        await using var proxy = why.StartsWith("over", StringComparison.Ordinal)
            ? null
            : TestSupport.Exchange.ExchangeImapProxy.Start(mail.Exchange.Dovecot, mail.Proxy.Options with { MaxMessageSize = limit });
        mail.Workspace.Environment["DXMIG_EXO_IMAP_MAX_SIZE"] = proxy is null ? limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : "157286400";
        if (proxy is not null)
        {
            mail.Workspace.Environment["DXMIG_EXO_IMAP_PORT"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var jobs = new JobLayer(mail.Workspace);
        var run = await jobs.RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain + "\n" + Findings(run));
        var viaGraph = mail.Graph.Store.AllMessages(ExoImapHarness.Upn("tanaka"));
        viaGraph.Should().ContainSingle(why).Which.Subject.Should().Be(big.Subject);
        var target = await mail.TargetMessagesAsync("tanaka");
        target.Should().HaveCount(mail.Manifest["tanaka"].Messages.Count + 1, "the IMAP view shows every message once, the one Graph wrote included");
        (await mail.LossAsync(["tanaka"])).Lost.Should().Be(0, "every other message went by IMAP, byte for byte");
        await using (var ledger = new Platform.Ledger.LedgerDbContext(Platform.Storage.StoreContextFactory.CreateOptions<Platform.Ledger.LedgerDbContext>(Platform.Storage.StoreLocation.Parse(mail.Workspace.Ledger, "/"))))
        {
            ledger.Items.Count(i => i.Message != null && i.Message.Contains("route:graph")).Should().Be(1, "the route is recorded with its reason");
        }

        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, "one reconciliation across both paths: " + Findings(run));
        var again = await jobs.RunAsync(ExoImapHarness.Job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Loaded.Should().Be(0, "the no-change pass sends nothing by either path");
        mail.Graph.Store.AllMessages(ExoImapHarness.Upn("tanaka")).Should().HaveCount(1);
    }
}

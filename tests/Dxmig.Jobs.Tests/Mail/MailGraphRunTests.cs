using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.Graph;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using MailKit;
using MimeKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>Dovecot source → the Graph emulator, through the shipped example job, the job layer and the real Graph SDK stack.</summary>
public sealed class MailGraphRunTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki"];

    private static readonly Dictionary<string, string> WellKnown = new(StringComparer.Ordinal)
    {
        ["INBOX"] = "inbox",
        ["送信済み"] = "sentitems",
        ["下書き"] = "drafts",
        ["ごみ箱"] = "deleteditems",
        ["迷惑メール"] = "junkemail",
    };

    private MailGraphHarness mail = null!;

    public async Task InitializeAsync() => mail = await MailGraphHarness.StartAsync(Users);

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private static Task<JobRun> RunAsync(MailGraphHarness harness, string? job = null, IReadOnlyList<string>? accounts = null) =>
        new JobLayer(harness.Workspace).RunAsync(job ?? MailGraphHarness.Job, accounts: accounts);

    [Fact]
    public async Task Run_ExampleJob_CreatesReceivedMailWithEveryPropertyWeClaimToKeep()
    {
        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        run.Balanced.Should().BeTrue();
        foreach (var user in Users)
        {
            mail.AssertNothingLostOrDoubled(user, mail.Manifest[user].Messages);
            var target = mail.TargetBySha(user);
            foreach (var source in mail.Manifest[user].Messages)
            {
                var message = target[source.Sha256].Single();
                var what = $"{user} {source.Folder} {source.MessageId ?? source.Sha256}";
                mail.FolderPath(user, message.ParentFolderId).Should().Be(WellKnown.GetValueOrDefault(source.Folder, source.Folder), what);
                message.IsDraft.Should().Be(MailGraphHarness.Has(source, MessageFlags.Draft), $"{what}: received mail, not a draft (unless it was one)");
                message.IsRead.Should().Be(MailGraphHarness.Has(source, MessageFlags.Seen), what);
                message.FlagStatus.Should().Be(MailGraphHarness.Has(source, MessageFlags.Flagged) ? "flagged" : "notFlagged", what);
                message.ReceivedDateTime.Should().Be(source.InternalDate, $"{what}: received time from INTERNALDATE");
                (message.ExtendedProperty(GraphMessageBuilder.KeywordsProperty) ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Should().BeEquivalentTo(source.Keywords, what);
                message.ExtendedProperty(GraphMessageBuilder.SourceKeyProperty).Should().NotBeNullOrEmpty();
                if (source.MessageId is not null)
                {
                    message.InternetMessageId.Should().Be($"<{source.MessageId}>", what);
                    message.InternetMessageHeaders.Should().Contain(h => h.Key.Equals("Message-ID", StringComparison.OrdinalIgnoreCase), what);
                }
            }

            mail.Graph.Store.MailFolders(MailGraphHarness.Upn(user)).Select(f => f.DisplayName)
                .Should().Contain(["2024年度", "会議資料", "㈱みらい商事", "a.b.c", "顧客 (重要)"]);
        }

        await AssertAttachmentsAndDatesAsync("tanaka");
    }

    [Fact]
    public async Task Run_SecondTimeWithNoChanges_MakesNoCreateCalls()
    {
        (await RunAsync(mail)).ExitCode.Should().Be(ExitCodes.Success);
        var creates = Users.Sum(u => mail.Graph.Stats.CreateCallsFor(MailGraphHarness.Upn(u)));
        creates.Should().Be(mail.Manifest.Messages.Count(), "one create per message (in $batch)");

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        (run.Run.Seen, run.Run.Loaded).Should().Be((0, 0));
        Users.Sum(u => mail.Graph.Stats.CreateCallsFor(MailGraphHarness.Upn(u))).Should().Be(creates);
    }

    [Fact]
    public async Task Run_ThrottlingStormAndLostResponses_LoseNothingAndDoubleNothing()
    {
        mail.Graph.Throttling.Settings = new ThrottlingSettings { RequestLimit = 25, RequestWindow = TimeSpan.FromSeconds(2) };
        mail.Graph.Faults.Add(new FaultRule(FaultKind.LoseResponse) { PathPattern = @"^/\$batch$", Probability = 0.25 });
        mail.Graph.Faults.Add(new FaultRule(FaultKind.GatewayTimeoutAfterProcessing) { Method = "POST", PathPattern = "/messages$", Probability = 0.1 });
        mail.Graph.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { Probability = 0.05 });
        mail.Graph.Faults.Add(new FaultRule(FaultKind.GatewayTimeout) { Method = "GET", Probability = 0.05 });

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var (lost, doubled) = LossCount.Graph(mail, Users);
        ChaosTally.Record("imap→graph, storm: 429 budget, lost $batch responses, 504 after processing, 503/504 (partial $batch)",
            mail.Graph.Stats.TotalFaultsInjected + mail.Graph.Stats.TotalThrottled, kills: 0, runs: 1, mail.Manifest.Messages.Count(), lost, doubled);
        mail.Graph.Stats.TotalFaultsInjected.Should().BeGreaterThan(5, "the storm happened");
        mail.Graph.Stats.TotalThrottled.Should().BeGreaterThan(0, "the budget was hit");
        (lost, doubled).Should().Be((0, 0));
        foreach (var user in Users)
        {
            mail.AssertNothingLostOrDoubled(user, mail.Manifest[user].Messages);
        }
    }

    [Fact]
    public async Task Run_AttachmentOf20MB_GoesThroughAnUploadSessionByteForByte()
    {
        var big = new byte[20 * 1024 * 1024];
        new Random(3).NextBytes(big);
        var builder = new BodyBuilder { TextBody = "20 MB の資料を添付します" };
        builder.Attachments.Add("大容量資料.bin", big, new ContentType("application", "octet-stream"));
        var message = new MimeMessage([new MailboxAddress("送信者", "sender@example.jp")], [new MailboxAddress("田中", "tanaka@example.jp")], "大きな添付", builder.ToMessageBody());
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var inbox = await client.GetFolderAsync("INBOX");
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            await inbox.AppendAsync(message, MessageFlags.Seen);
        }

        var run = await RunAsync(mail, accounts: ["tanaka"]);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        var stored = mail.Graph.Store.AllMessages(MailGraphHarness.Upn("tanaka")).Single(m => m.Subject == "大きな添付");
        stored.IsDraft.Should().BeFalse();
        var attachment = stored.Attachments.Single();
        attachment.Name.Should().Be("大容量資料.bin");
        attachment.Bytes.Should().Equal(big);
        mail.Graph.Stats.For(MailGraphHarness.Upn("tanaka"), Operations.UploadChunk).Requests.Should().BeGreaterThanOrEqualTo(7, "chunks under 4 MB");
        stored.ExtendedProperty(GraphMessageBuilder.PendingProperty).Should().Be(GraphMessageBuilder.Complete);
    }

    [Fact]
    public async Task Run_MessagesOverTheTargetLimit_AreQuarantinedWithTheReasonAndTheRestArrive()
    {
        var job = mail.JobVariant("limited", text => text.Replace("  # max-message-size: 157286400", "  max-message-size: 20000", StringComparison.Ordinal));
        var tooBig = mail.Manifest["tanaka"].Messages.Where(m => m.Size > 20_000).ToList();
        tooBig.Should().NotBeEmpty();

        // And one of 3 MB, which must be quarantined from its size alone: its body is never read from the source.
        var big = new byte[3 * 1024 * 1024];
        new Random(5).NextBytes(big);
        var builder = new BodyBuilder { TextBody = "3 MB の添付" };
        builder.Attachments.Add("図面.bin", big, new ContentType("application", "octet-stream"));
        using (var client = await mail.Source.ConnectAsMasterAsync("tanaka"))
        {
            var inbox = await client.GetFolderAsync("INBOX");
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            await inbox.AppendAsync(new MimeMessage([new MailboxAddress("送信者", "sender@example.jp")], [new MailboxAddress("田中", "tanaka@example.jp")], "図面", builder.ToMessageBody()), MessageFlags.Seen);
        }

        await using var proxy = FaultProxy.Start(mail.Source.Host, mail.Source.Port, FaultPlan.None);
        mail.Workspace.Environment["DXMIG_SRC_PORT"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var run = await RunAsync(mail, job, accounts: ["tanaka"]);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Quarantined.Should().Contain(i => i.Code == "too-large-for-target");
        run.Run.Quarantined.Should().Be(tooBig.Count + 1);
        mail.AssertNothingLostOrDoubled("tanaka", mail.Manifest["tanaka"].Messages.Where(m => m.Size <= 20_000));
        var fitting = mail.Manifest["tanaka"].Messages.Where(m => m.Size <= 20_000).Sum(m => (long)m.Size);
        proxy.BytesDownstream.Should().BeLessThan(fitting + 1_000_000, "no body over the target's limit was fetched from the source");
    }

    [Fact]
    public async Task Run_TargetUserMissing_FailsThatAccountOnlyWithAClearMessage()
    {
        var accounts = mail.Workspace.Write("accounts-missing.csv", $"source,target\ntanaka,{MailGraphHarness.Upn("tanaka")}\nsuzuki,nobody@{MailGraphHarness.Domain}\n");
        mail.Workspace.Environment["DXMIG_ACCOUNTS"] = accounts;

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        run.Explain.Should().Contain("nobody@pref.example.jp");
        mail.AssertNothingLostOrDoubled("tanaka", mail.Manifest["tanaka"].Messages);
    }

    [Fact]
    public async Task Run_OneMailboxKeepsFailing_IsGivenUpAloneAndTheOthersFinish()
    {
        mail.Graph.Faults.Add(new FaultRule(FaultKind.ServiceUnavailable) { Mailbox = MailGraphHarness.Upn("suzuki") });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var run = await RunAsync(mail);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromMinutes(2), "a sick mailbox is given up, not waited on forever");
        run.Account("suzuki").Outcome.Should().Be(Platform.Ledger.RunOutcome.Failed);
        mail.AssertNothingLostOrDoubled("tanaka", mail.Manifest["tanaka"].Messages);
        mail.Graph.Store.AllMessages(MailGraphHarness.Upn("suzuki")).Should().BeEmpty();

        mail.Graph.Faults.Clear();
        (await RunAsync(mail)).ExitCode.Should().Be(ExitCodes.Success, "the next run resumes the mailbox");
        mail.AssertNothingLostOrDoubled("suzuki", mail.Manifest["suzuki"].Messages);
        run.Explain.Should().NotContain(mail.Graph.ClientSecret);
    }

    [Fact]
    public async Task Run_WithAClientCertificate_AuthenticatesWithoutASecret()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=dxmig-test-app", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await using var withCertificate = await MailGraphHarness.StartAsync(["tanaka"], messages: 10, clientCertificates: [certificate]);
        var pem = withCertificate.Workspace.Write("app.pem", certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());
        withCertificate.Workspace.Environment.Remove("DXMIG_GRAPH_CLIENT_SECRET");
        withCertificate.Workspace.Environment["DXMIG_GRAPH_CERT"] = pem;
        var job = withCertificate.JobVariant("certificate", text => text
            .Replace("  client-secret-env: DXMIG_GRAPH_CLIENT_SECRET\n", string.Empty, StringComparison.Ordinal)
            .Replace("  # client-certificate-file: ${DXMIG_GRAPH_CERT}", "  client-certificate-file: ${DXMIG_GRAPH_CERT}", StringComparison.Ordinal));

        var run = await RunAsync(withCertificate, job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        withCertificate.AssertNothingLostOrDoubled("tanaka", withCertificate.Manifest["tanaka"].Messages);
        File.ReadAllText(job).Should().NotContain("PRIVATE KEY");
    }

    [Fact]
    public async Task Run_WrongPinnedCertificate_IsRefusedWithAClearMessage()
    {
        mail.Workspace.Environment["DXMIG_GRAPH_CERT_SHA256"] = new string('A', 64);

        var run = await RunAsync(mail, accounts: ["tanaka"]);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        mail.Graph.Store.AllMessages(MailGraphHarness.Upn("tanaka")).Should().BeEmpty();
        run.Explain.Should().Contain("証明書を信頼できません").And.Contain("certificate-sha256");
    }

    /// <summary>Attachments of the corpus's attachment messages arrive with their names and bytes; sent time is the Date: header.</summary>
    private async Task AssertAttachmentsAndDatesAsync(string user)
    {
        var target = mail.TargetBySha(user);
        using var client = await mail.Source.ConnectAsMasterAsync(user);
        var checkedAttachments = 0;
        foreach (var group in mail.Manifest[user].Messages.Where(m => m.Kind == CorpusMessageKind.Attachment).GroupBy(m => m.Folder))
        {
            var folder = await client.GetFolderAsync(group.Key);
            await folder.OpenAsync(FolderAccess.ReadOnly);
            foreach (var source in group)
            {
                var mime = await folder.GetMessageAsync(new UniqueId(source.UidValidity, source.Uid));
                var stored = target[source.Sha256].Single();
                if (mime.Date > DateTimeOffset.MinValue)
                {
                    stored.SentDateTime.Should().Be(mime.Date.ToUniversalTime().AddTicks(-(mime.Date.Ticks % TimeSpan.TicksPerSecond)));
                }

                foreach (var part in mime.Attachments.OfType<MimePart>())
                {
                    using var bytes = new MemoryStream();
                    await part.Content!.DecodeToAsync(bytes);
                    stored.Attachments.Should().Contain(a => a.Name == part.FileName && a.Bytes.SequenceEqual(bytes.ToArray()), $"attachment {part.FileName} of {source.MessageId}");
                    checkedAttachments++;
                }
            }
        }

        checkedAttachments.Should().BePositive("the corpus has attachment messages");
    }
}

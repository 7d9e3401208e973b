using System.Text;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Exchange;
using Dxmig.TestSupport.Mail;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Dxmig.TestSupport.Tests.Exchange;

public sealed class ExchangeImapProxyTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    private const string ExchangeCapabilities =
        "* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+";

    private DovecotServer Server => dovecot.Server;

    [Fact]
    public async Task Capabilities_AreExchangeOnlinesBeforeAndAfterLogin()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await RawImapConnection.OpenAsync(proxy);

        raw.Greeting.Should().Be("* OK The Microsoft Exchange IMAP4 service is ready.");
        (await raw.CommandAsync("a1", "CAPABILITY"))[0].Should().Be(ExchangeCapabilities);
        (await LoginAsync(raw, "a2", "user01")).Should().Be("a2 OK LOGIN completed.");
        (await raw.CommandAsync("a3", "CAPABILITY"))[0].Should().Be(ExchangeCapabilities);

        using var client = await ConnectAsync(proxy, "user01");
        client.Capabilities.Should().HaveFlag(ImapCapabilities.LiteralPlus).And.HaveFlag(ImapCapabilities.Move);
        client.Capabilities.Should().NotHaveFlag(ImapCapabilities.MultiAppend).And.NotHaveFlag(ImapCapabilities.CondStore)
            .And.NotHaveFlag(ImapCapabilities.Enable).And.NotHaveFlag(ImapCapabilities.ListExtended).And.NotHaveFlag(ImapCapabilities.SpecialUse);
        client.AuthenticationMechanisms.Should().BeEquivalentTo("PLAIN", "XOAUTH2");
        proxy.Logins.Should().Be(2);
    }

    [Fact]
    public async Task PassThrough_GreetsAsDovecot()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, ExchangeImapProxyOptions.PassThrough);
        await using var raw = await RawImapConnection.OpenAsync(proxy);

        raw.Greeting.Should().Contain("Dovecot");
        (await raw.CommandAsync("a1", "CAPABILITY"))[0].Should().Contain("LOGIN-REFERRALS").And.Contain("AUTH=LOGIN");
    }

    [Fact]
    public async Task Append_WithFlagged_ArrivesWithoutIt_AndStoreThenSetsIt()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        using var client = await ConnectAsync(proxy, "user02");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        var uid = (await inbox.AppendAsync(new AppendRequest(Message("flagged"), MessageFlags.Flagged | MessageFlags.Seen)
        {
            Keywords = new HashSet<string>(StringComparer.Ordinal) { "$MDNSent" },
        }))!.Value;

        var stored = (await inbox.FetchAsync([uid], MessageSummaryItems.Flags)).Single();
        (stored.Flags & ~MessageFlags.Recent).Should().Be(MessageFlags.Seen);
        stored.Keywords.Should().BeEquivalentTo("$MDNSent");
        await inbox.AddFlagsAsync(uid, MessageFlags.Flagged, true);
        ((await inbox.FetchAsync([uid], MessageSummaryItems.Flags)).Single().Flags & ~MessageFlags.Recent).Should().Be(MessageFlags.Seen | MessageFlags.Flagged);
        proxy.Appends.Should().Be(1);
    }

    [Fact]
    public async Task KeywordsExchangeDoesNotKeep_AreRefusedInAppendAndStore_MdnSentPasses()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        using var client = await ConnectAsync(proxy, "user02");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        var refused = async () => await inbox.AppendAsync(new AppendRequest(Message("label"), MessageFlags.Seen) { Keywords = new HashSet<string>(StringComparer.Ordinal) { "$Label1" } });
        (await refused.Should().ThrowAsync<ImapCommandException>()).Which.ResponseText.Should().Be(ExchangeImapTexts.KeywordArgumentError);
        var uid = (await inbox.AppendAsync(new AppendRequest(Message("mdn"), MessageFlags.Seen) { Keywords = new HashSet<string>(StringComparer.Ordinal) { "$MDNSent" } }))!.Value;
        var store = async () => await inbox.StoreAsync([uid], new StoreFlagsRequest(StoreAction.Add, new HashSet<string>(StringComparer.Ordinal) { "NonJunk" }) { Silent = true });
        await store.Should().ThrowAsync<ImapCommandException>();
        (await inbox.FetchAsync([uid], MessageSummaryItems.Flags)).Single().Keywords.Should().BeEquivalentTo("$MDNSent");
    }

    [Fact]
    public async Task Append_WithFlagged_WithoutTheSwitch_KeepsIt()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions { DropFlaggedOnAppend = false });
        using var client = await ConnectAsync(proxy, "user02");
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var uid = (await client.Inbox.AppendAsync(Message("kept"), MessageFlags.Flagged))!.Value;

        ((await client.Inbox.FetchAsync([uid], MessageSummaryItems.Flags)).Single().Flags & ~MessageFlags.Recent).Should().Be(MessageFlags.Flagged);
    }

    [Fact]
    public async Task Append_TwoMessagesInOneCommand_IsRefused_AndNothingStored_WhileMailKitAppendsOneByOne()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "user03");
        await raw.CommandAsync("m1", "CREATE Multi");

        await raw.SendAsync("m2 APPEND Multi (\\Seen) {7+}\r\nHello\r\n (\\Seen) {7+}\r\nWorld\r\n\r\n");
        (await raw.ReadUntilTaggedAsync("m2")).Should().Equal("m2 BAD Command Argument Error. 12");
        await raw.SendAsync("m3 APPEND Multi {7+}\r\nHello\r\n {7}\r\n");
        (await raw.ReadUntilTaggedAsync("m3")).Should().Equal("m3 BAD Command Argument Error. 12");
        (await raw.CommandAsync("m4", "STATUS Multi (MESSAGES)"))[0].Should().Be("* STATUS Multi (MESSAGES 0)");

        using var client = await ConnectAsync(proxy, "user03");
        var folder = await client.GetFolderAsync("Multi");
        var uids = await folder.AppendAsync([new AppendRequest(Message("one")), new AppendRequest(Message("two"))]);

        uids.Should().HaveCount(2);
        proxy.Appends.Should().Be(2);
        proxy.CommandsByName["APPEND"].Should().Be(4);
    }

    [Fact]
    public async Task Append_OverTheSizeLimit_IsRefusedForBothLiteralKinds_AndTheConnectionStaysUsable()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions { MaxMessageSize = 1_000 });
        await using var raw = await LoggedInAsync(proxy, "user04");
        await raw.CommandAsync("s1", "CREATE Big");

        // Synchronizing: refused instead of the continuation, so the client never sends the message.
        await raw.SendAsync("s2 APPEND Big {1001}\r\n");
        (await raw.ReadLineAsync()).Should().Be("s2 NO Maximum size of appendable message has been exceeded.");
        // Non-synchronizing: the message is on its way; the proxy reads it, drops it, then refuses.
        await raw.SendAsync("s3 APPEND Big {1001+}\r\n" + new string('x', 1001) + "\r\n");
        (await raw.ReadUntilTaggedAsync("s3")).Should().Equal("s3 NO Maximum size of appendable message has been exceeded.");

        (await raw.CommandAsync("s4", "NOOP"))[^1].Should().StartWith("s4 OK");
        await raw.SendAsync("s5 APPEND Big {1000}\r\n");
        (await raw.ReadLineAsync()).Should().Be("+ Ready for additional command text.");
        await raw.SendAsync(new string('y', 1000) + "\r\n");
        (await raw.ReadUntilTaggedAsync("s5"))[^1].Should().StartWith("s5 OK");
        (await raw.CommandAsync("s6", "STATUS Big (MESSAGES)"))[0].Should().Be("* STATUS Big (MESSAGES 1)");
        proxy.Appends.Should().Be(1);
        proxy.BytesAppended.Should().Be(1000);
    }

    [Fact]
    public async Task Throttled_CommandsAreRefusedUntilTheBackoffPassed_AndTheWaitsAreRecorded()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "user05");
        proxy.ThrottleNext(1, TimeSpan.FromMilliseconds(400));

        (await raw.CommandAsync("t1", "NOOP")).Should().Equal("t1 NO Request is throttled. Suggested Backoff Time: 400 milliseconds");
        var impatient = (await raw.CommandAsync("t2", "SELECT INBOX")).Single();
        impatient.Should().MatchRegex(@"^t2 NO Request is throttled\. Suggested Backoff Time: \d+ milliseconds$");
        await Task.Delay(TimeSpan.FromMilliseconds(450));
        (await raw.CommandAsync("t3", "NOOP"))[^1].Should().StartWith("t3 OK");

        proxy.Throttled.Should().HaveCount(2);
        var first = proxy.Throttled[0];
        first.Should().BeEquivalentTo(new { Mailbox = "user05", Tag = "t1", Command = "NOOP", WithinEarlierBackoff = false });
        first.Backoff.Should().Be(TimeSpan.FromMilliseconds(400));
        first.Honoured.Should().BeFalse("t2 came at once");
        var second = proxy.Throttled[1];
        second.Should().BeEquivalentTo(new { Tag = "t2", Command = "SELECT", WithinEarlierBackoff = true });
        second.Backoff.Should().BeLessThan(TimeSpan.FromMilliseconds(400));
        second.WaitedBeforeNextCommand.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(440));
        second.Honoured.Should().BeTrue();
        proxy.ThrottledAnswers.Should().Be(2);
    }

    [Fact]
    public async Task CommandsPerSecondBudget_ThrottlesTheCommandOverIt_AsBadWhenAskedTo()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions
        {
            MaxCommandsPerSecond = 3,
            RateLimitBackoff = TimeSpan.FromMilliseconds(300),
            ThrottledStatus = "BAD",
        });
        await using var raw = await LoggedInAsync(proxy, "user05");

        await raw.SendAsync("r1 NOOP\r\nr2 NOOP\r\nr3 NOOP\r\nr4 NOOP\r\nr5 NOOP\r\n");
        var answers = (await raw.ReadUntilTaggedAsync("r5")).Where(l => l.StartsWith('r')).ToList();

        answers.Select(l => l[..5]).Should().Equal("r1 OK", "r2 OK", "r3 OK", "r4 BA", "r5 BA");
        answers[3].Should().Be("r4 BAD Request is throttled. Suggested Backoff Time: 300 milliseconds");
        proxy.Throttled.Select(t => (t.Tag, t.WithinEarlierBackoff)).Should().Equal(("r4", false), ("r5", true));
        await Task.Delay(TimeSpan.FromMilliseconds(350));
        (await raw.CommandAsync("r6", "NOOP"))[^1].Should().StartWith("r6 OK");
    }

    [Fact]
    public async Task Idle_PassesThrough_AndTheIdlingClientHearsOfNewMail()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        using var idler = await ConnectAsync(proxy, "user01");
        await idler.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var before = idler.Inbox.Count;
        var grew = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        idler.Inbox.CountChanged += (_, _) => grew.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = idler.IdleAsync(done.Token);

        using (var writer = await ConnectAsync(proxy, "user01"))
        {
            await writer.Inbox.AppendAsync(Message("while idling"));
        }

        await grew.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await done.CancelAsync();
        await idle;
        idler.Inbox.Count.Should().Be(before + 1);
        await idler.NoOpAsync();
        proxy.CommandsByName["IDLE"].Should().Be(1);
    }

    [Fact]
    public async Task RepeatedErrors_EndTheConnectionWithBye_AndAnOkBetweenResetsTheCount()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions { DisconnectAfterErrors = 3 });
        await using var raw = await LoggedInAsync(proxy, "user06");

        (await raw.CommandAsync("e1", "SELECT Missing1"))[^1].Should().StartWith("e1 NO");
        (await raw.CommandAsync("e2", "SELECT Missing2"))[^1].Should().StartWith("e2 NO");
        (await raw.CommandAsync("e3", "NOOP"))[^1].Should().StartWith("e3 OK");
        (await raw.CommandAsync("e4", "SELECT Missing3"))[^1].Should().StartWith("e4 NO");
        (await raw.CommandAsync("e5", "FROB"))[^1].Should().Be("e5 BAD Command Error. 10");
        (await raw.CommandAsync("e6", "SELECT Missing4"))[^1].Should().StartWith("e6 NO");

        (await raw.ReadLineAsync()).Should().Be("* BYE Connection closed. 14");
        (await raw.IsClosedAsync()).Should().BeTrue();
        proxy.Disconnects.Should().Be(1);
    }

    [Fact]
    public async Task RepeatedErrors_InAPipeline_ByeFollowsTheNthAnswer_AndTheRestIsNotAnswered()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions { DisconnectAfterErrors = 3 });
        await using var raw = await LoggedInAsync(proxy, "user06");

        await raw.SendAsync(string.Concat(Enumerable.Range(1, 6).Select(i => $"q{i} SELECT Missing{i}\r\n")));
        var lines = new List<string>();
        while (await raw.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        lines.Select(l => l.Split(' ')[0] + " " + l.Split(' ')[1]).Should().Equal("q1 NO", "q2 NO", "q3 NO", "* BYE");
        lines[^1].Should().Be("* BYE Connection closed. 14");
        proxy.Disconnects.Should().Be(1);
    }

    [Fact]
    public async Task ExpiredAccessToken_NextCommandGetsByeAndTheConnectionCloses()
    {
        var oauthServer = await DovecotServer.StartAsync(new DovecotOptions
        {
            Users = new Dictionary<string, string>(StringComparer.Ordinal) { ["tanaka"] = "token-of-tanaka" },
            // Dovecot 2.3 verifies an XOAUTH2/OAUTHBEARER token as the password of the user's passdb.
            ExtraConfiguration = "auth_mechanisms = plain login xoauth2 oauthbearer",
        });
        await using var _ = oauthServer;
        var clock = new ManualClock(DateTimeOffset.Parse("2026-04-01T09:00:00+09:00", System.Globalization.CultureInfo.InvariantCulture));
        var expiry = clock.GetUtcNow().AddHours(1);
        var asked = new List<string>();
        await using var proxy = ExchangeImapProxy.Start(oauthServer, new ExchangeImapProxyOptions
        {
            TimeProvider = clock,
            TokenExpiry = token =>
            {
                asked.Add(token);
                return token == "token-of-tanaka" ? expiry : null;
            },
        });

        // XOAUTH2 with its token as SASL-IR.
        await using var xoauth2 = await RawImapConnection.OpenAsync(proxy);
        var initial = Convert.ToBase64String(Encoding.UTF8.GetBytes("user=tanaka\u0001auth=Bearer token-of-tanaka\u0001\u0001"));
        (await xoauth2.CommandAsync("x1", "AUTHENTICATE XOAUTH2 " + initial))[^1].Should().Be("x1 OK AUTHENTICATE completed.", oauthServer.ReadLog());
        // OAUTHBEARER with its token after the continuation.
        await using var oauthbearer = await RawImapConnection.OpenAsync(proxy);
        await oauthbearer.SendAsync("y1 AUTHENTICATE OAUTHBEARER\r\n");
        (await oauthbearer.ReadLineAsync()).Should().StartWith("+");
        await oauthbearer.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("n,a=tanaka,\u0001auth=Bearer token-of-tanaka\u0001\u0001")) + "\r\n");
        (await oauthbearer.ReadUntilTaggedAsync("y1"))[^1].Should().Be("y1 OK AUTHENTICATE completed.");

        clock.Now = expiry.AddSeconds(-1);
        (await xoauth2.CommandAsync("x2", "SELECT INBOX"))[^1].Should().StartWith("x2 OK");
        clock.Now = expiry;

        await xoauth2.SendAsync("x3 NOOP\r\n");
        (await xoauth2.ReadLineAsync()).Should().Be("* BYE Session invalidated - AccessTokenExpired");
        (await xoauth2.IsClosedAsync()).Should().BeTrue();
        await oauthbearer.SendAsync("y2 NOOP\r\n");
        (await oauthbearer.ReadLineAsync()).Should().Be("* BYE Session invalidated - AccessTokenExpired");
        (await oauthbearer.IsClosedAsync()).Should().BeTrue();
        asked.Should().Equal("token-of-tanaka", "token-of-tanaka");
        proxy.Disconnects.Should().Be(2);
    }

    [Fact]
    public async Task Create_ReservedName_IsRefused_AndNotCreated()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "user07");

        (await raw.CommandAsync("c1", "CREATE Files")).Should().Equal("c1 NO Folder name is reserved.");
        (await raw.CommandAsync("c2", "CREATE \"files\"")).Should().Equal("c2 NO Folder name is reserved.");
        (await raw.CommandAsync("c3", "CREATE Projects"))[^1].Should().StartWith("c3 OK");

        var list = await raw.CommandAsync("c4", "LIST \"\" \"*\"");
        list.Should().Contain(l => l.EndsWith(" Projects", StringComparison.Ordinal));
        list.Should().NotContain(l => l.Contains("iles", StringComparison.OrdinalIgnoreCase));
        Directory.EnumerateDirectories(Server.MailDirectory("user07")).Select(Path.GetFileName).Should().NotContain(n => n!.Equals("Files", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ConnectionLimit_TheNextLoginOfTheMailboxIsRefused_OtherMailboxesAndFreedSlotsWork()
    {
        await using var proxy = ExchangeImapProxy.Start(Server, new ExchangeImapProxyOptions { MaxConnectionsPerMailbox = 2 });
        using var first = await ConnectAsync(proxy, "user08");
        using var second = await ConnectAsync(proxy, "user08");

        var third = async () => { using var client = await ConnectAsync(proxy, "user08"); };
        await third.Should().ThrowAsync<AuthenticationException>();
        await using (var raw = await RawImapConnection.OpenAsync(proxy))
        {
            (await LoginAsync(raw, "l1", "user08")).Should().Be("l1 NO LOGIN failed.");
        }

        using var other = await ConnectAsync(proxy, "user09");
        proxy.ConnectionsPerMailbox.Should().BeEquivalentTo(new Dictionary<string, int> { ["user08"] = 2, ["user09"] = 1 });
        // MailKit tries AUTHENTICATE PLAIN, then LOGIN; the raw client once more.
        proxy.RefusedLogins.Should().Be(3);

        await first.DisconnectAsync(true);
        await WaitUntilAsync(() => proxy.ConnectionsPerMailbox.GetValueOrDefault("user08") == 1);
        using var again = await ConnectAsync(proxy, "user08");
        again.IsAuthenticated.Should().BeTrue();
    }

    [Fact]
    public async Task PipelinedCommands_AreAnsweredInOrder_ProxyAnswersIncluded()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "user10");
        await raw.CommandAsync("p1", "CREATE Piped");

        await raw.SendAsync(
            "p2 SELECT Piped\r\np3 CREATE Files\r\np4 APPEND Piped (\\Flagged \\Seen) {5+}\r\nHello\r\np5 ENABLE CONDSTORE\r\n"
            + "p6 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\np7 CHECK\r\np8 NOOP\r\n");
        var lines = await raw.ReadUntilTaggedAsync("p8");

        lines.Where(l => l.StartsWith('p')).Select(l => l.Split(' ')[0] + " " + l.Split(' ')[1])
            .Should().Equal("p2 OK", "p3 NO", "p4 OK", "p5 BAD", "p6 BAD", "p7 OK", "p8 OK");
        // Dovecot runs a UID FETCH beside an APPEND still saving, so the flags are read after the pipeline.
        (await raw.CommandAsync("p9", "UID FETCH 1:* (FLAGS)")).Should().ContainSingle(l => l.StartsWith("* 1 FETCH (", StringComparison.Ordinal))
            .Which.Should().Contain("\\Seen").And.NotContain("Flagged");
        proxy.CommandsByName.Should().Contain(new KeyValuePair<string, long>("CREATE", 2)).And.Contain(new KeyValuePair<string, long>("ENABLE", 1));
    }

    [Fact]
    public async Task UnsupportedSyntax_IsRefusedAsExchangeDoes_WhileSpecialUseAttributesStayInPlainList()
    {
        await using var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "suzuki");
        await raw.CommandAsync("u1", "CREATE Sent");

        (await raw.CommandAsync("u2", "LIST \"\" \"*\"")).Should().Contain(l => l.StartsWith("* LIST (", StringComparison.Ordinal)
            && l.Contains("\\Sent", StringComparison.Ordinal) && l.EndsWith(" Sent", StringComparison.Ordinal));
        (await raw.CommandAsync("u3", "LIST (SPECIAL-USE) \"\" \"*\"")).Should().Equal("u3 BAD Command Argument Error. 12");
        (await raw.CommandAsync("u4", "SELECT INBOX (CONDSTORE)")).Should().Equal("u4 BAD Command Argument Error. 12");
        (await raw.CommandAsync("u5", "STATUS INBOX (MESSAGES HIGHESTMODSEQ)")).Should().Equal("u5 BAD Command Argument Error. 12");
        (await raw.CommandAsync("u6", "GETQUOTAROOT INBOX")).Should().Equal("u6 BAD Command Error. 10");
        (await raw.CommandAsync("u7", "STATUS INBOX (MESSAGES UIDNEXT)"))[^1].Should().StartWith("u7 OK");
    }

    [Fact]
    public async Task Dispose_ClosesEveryConnection()
    {
        var proxy = ExchangeImapProxy.Start(Server);
        await using var raw = await LoggedInAsync(proxy, "tanaka");
        proxy.OpenConnections.Should().Be(1);

        await proxy.DisposeAsync();

        (await raw.IsClosedAsync()).Should().BeTrue();
        proxy.OpenConnections.Should().Be(0);
        proxy.ConnectionsPerMailbox.Should().BeEmpty();
    }

    /// <summary>A raw connection logged into <paramref name="user"/>'s mailbox as the master user.</summary>
    private async Task<RawImapConnection> LoggedInAsync(ExchangeImapProxy proxy, string user)
    {
        var raw = await RawImapConnection.OpenAsync(proxy);
        (await LoginAsync(raw, "login", user)).Should().Be("login OK LOGIN completed.");
        return raw;
    }

    private async Task<string> LoginAsync(RawImapConnection raw, string tag, string user) =>
        (await raw.CommandAsync(tag, $"LOGIN \"{Server.MasterLogin(user)}\" \"{Server.MasterPassword}\""))[^1];

    private async Task<ImapClient> ConnectAsync(ExchangeImapProxy proxy, string user)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(proxy.Host, proxy.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(Server.MasterLogin(user), Server.MasterPassword);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static MimeMessage Message(string subject) => new(
        [new MailboxAddress("Sender", "sender@example.com")],
        [new MailboxAddress("Receiver", "receiver@example.com")],
        subject,
        new TextPart("plain") { Text = "body of " + subject });

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within 10 s");
            await Task.Delay(20);
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

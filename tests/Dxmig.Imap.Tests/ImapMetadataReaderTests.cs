using System.Text;
using Dxmig.Imap;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Mail;

namespace Dxmig.Imap.Tests;

/// <summary>
/// <see cref="ImapMetadataReader"/> against a real private Dovecot, with messages whose header a careless reader
/// cannot take: a 64 KB Subject, a 64 KB Message-ID, a header line over 1 MB, thousands of header lines, a long keyword.
/// Each test has a mailbox of its own.
/// </summary>
public sealed class ImapMetadataReaderTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>
{
    [Fact]
    public async Task Read_MessageWithA64KbSubject_ReadsItsMessageIdLikeAnyOther()
    {
        const string User = "user01";
        await AppendAsync(User, Message("<plain@example.jp>", "Subject: ordinary\r\n"), Message("<long-subject@example.jp>", $"Subject: {new string('s', 64 * 1024)}\r\n"));

        var messages = await ReadInboxAsync(User);

        messages.Select(m => m.MessageId).Should().Equal("plain@example.jp", "long-subject@example.jp");
    }

    [Fact]
    public async Task Read_HostileHeaders_EveryMessageReadWithItsMessageId()
    {
        const string User = "user02";
        var longId = "big-" + new string('i', 64 * 1024) + "@example.jp";
        var manyLines = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            manyLines.Append("X-Line-").Append(i).Append(": value ").Append(i).Append("\r\n");
        }

        var megabyteLine = "X-Long: " + new string('h', 1024 * 1024 + 10) + "\r\n";
        await AppendAsync(
            User,
            Message($"<{longId}>", "Subject: long id\r\n"),
            Message("<after-1mb@example.jp>", megabyteLine, idLast: true),
            Message("<many-lines@example.jp>", manyLines.ToString(), idLast: true),
            Message("<folded@example.jp>", "Subject: folded\r\n", folded: true),
            Message(null, "Subject: no id\r\n"));

        var messages = await ReadInboxAsync(User);

        messages.Select(m => m.MessageId).Should().Equal(longId, "after-1mb@example.jp", "many-lines@example.jp", "folded@example.jp", null);
        messages[1].Size.Should().BeGreaterThan(1024 * 1024);
    }

    [Fact]
    public async Task Read_Deep_HashesEveryBodyIncludingTheHostileOnes()
    {
        const string User = "user03";
        var first = Message("<deep-1@example.jp>", $"Subject: {new string('s', 70 * 1024)}\r\n");
        var second = Message("<deep-2@example.jp>", "Subject: plain\r\n");
        await AppendAsync(User, first, second);

        var messages = await ReadInboxAsync(User, deep: true);

        messages.Select(m => m.Sha256).Should().Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(first)),
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(second)));
    }

    private ImapEndpoint Shared => Endpoint(dovecot.Server);

    private static ImapEndpoint Endpoint(DovecotServer server) => new()
    {
        Host = server.Host,
        Port = server.Port,
        Security = ImapSecurity.None,
        AdminUser = server.MasterUser,
        AdminPassword = server.MasterPassword,
    };

    /// <summary>A message whose Message-ID comes first (or last, after <paramref name="extra"/>), with the extra header lines.</summary>
    private static byte[] Message(string? messageId, string extra, bool idLast = false, bool folded = false)
    {
        var id = messageId is null ? string.Empty : folded ? $"Message-ID:\r\n {messageId}\r\n" : $"Message-ID: {messageId}\r\n";
        var head = "From: a@example.jp\r\nTo: b@example.jp\r\nDate: Tue, 2 Apr 2024 10:00:00 +0900\r\n";
        return Encoding.UTF8.GetBytes((idLast ? head + extra + id : id + head + extra) + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n本文\r\n");
    }

    private async Task AppendAsync(string user, params byte[][] messages)
    {
        await using var raw = await RawImapConnection.ConnectAsync(Shared, user, CancellationToken.None);
        foreach (var bytes in messages)
        {
            await raw.AppendAsync("INBOX", [new AppendItem(["\\Seen"], DateTimeOffset.UtcNow, bytes.Length, () => new MemoryStream(bytes))], CancellationToken.None);
        }
    }

    private Task<IReadOnlyList<ImapMessageInfo>> ReadInboxAsync(string user, bool deep = false) => ReadInboxAsync(Shared, user, deep);

    private static async Task<IReadOnlyList<ImapMessageInfo>> ReadInboxAsync(ImapEndpoint endpoint, string user, bool deep = false)
    {
        await foreach (var (folder, messages) in ImapMetadataReader.ReadAsync(endpoint, user, deep, _ => { }, CancellationToken.None))
        {
            if (folder.FullName == "INBOX")
            {
                return [.. messages.OrderBy(m => m.Uid)];
            }
        }

        throw new InvalidOperationException("no INBOX");
    }
}

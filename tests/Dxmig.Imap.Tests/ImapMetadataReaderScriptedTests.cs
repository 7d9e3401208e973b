using System.Net;
using System.Net.Sockets;
using Dxmig.Imap;
using Dxmig.TestSupport.Mail;

namespace Dxmig.Imap.Tests;

/// <summary>
/// <see cref="ImapMetadataReader"/> against a scripted server whose answer for one message MailKit cannot read (its
/// INTERNALDATE sent as a 5,000-byte literal: over MailKit's 4 KB limit on a string, so MailKit drops the connection,
/// as the 64 KB Subject in ENVELOPE did). No real server sends that; it stands for any answer a client cannot take.
/// </summary>
public sealed class ImapMetadataReaderScriptedTests
{
    [Fact]
    public async Task Read_OneMessageWhoseAnswerCannotBeRead_IsReportedUnreadable_AndTheOthersAreRead()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var server = new ScriptedImapServer(listener, brokenUid: 2);
        var serving = server.ServeAsync(stop.Token);
        var endpoint = new ImapEndpoint
        {
            Host = "127.0.0.1", Port = ((IPEndPoint)listener.LocalEndpoint).Port, Security = ImapSecurity.None, AdminUser = "admin", AdminPassword = "secret",
            Timeout = TimeSpan.FromSeconds(10),
        };

        var folders = new List<(ImapFolderInfo Folder, IReadOnlyList<ImapMessageInfo> Messages)>();
        await foreach (var folder in ImapMetadataReader.ReadAsync(endpoint, "tanaka", deep: false, _ => { }, stop.Token))
        {
            folders.Add(folder);
        }

        var messages = folders.Should().ContainSingle().Which.Messages;
        messages.Select(m => m.Uid).Should().Equal(1u, 2u, 3u);
        messages[0].Should().BeEquivalentTo(new { MessageId = "m1@example.jp", Size = 101L, Unreadable = (string?)null });
        messages[2].Should().BeEquivalentTo(new { MessageId = "m3@example.jp", Size = 103L, Unreadable = (string?)null });
        messages[1].MessageId.Should().BeNull();
        messages[1].Unreadable.Should().StartWith("サーバーの応答を読めないため、このメッセージは照合できません (ImapProtocolException")
            .And.Contain(" / this message cannot be reconciled: the server's answer for it cannot be read (ImapProtocolException");
        server.SingleFetches.Should().Be(2 + 1 + 1, "the broken message is read alone twice before it is given up, the others once each");
        stop.Cancel();
        await serving;
    }
}

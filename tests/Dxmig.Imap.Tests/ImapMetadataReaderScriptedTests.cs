using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dxmig.Imap;

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

    /// <summary>Just enough IMAP for MailKit: login, NAMESPACE, LIST, EXAMINE, FETCH, UID SEARCH, UID FETCH, CLOSE, LOGOUT.</summary>
    private sealed class ScriptedImapServer(TcpListener listener, uint brokenUid)
    {
        private int singleFetches;

        public int SingleFetches => singleFetches;

        public async Task ServeAsync(CancellationToken cancellationToken)
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync(cancellationToken);
                    connections.Add(ConnectionAsync(client, cancellationToken));
                }
            }
            catch (OperationCanceledException)
            {
                // the test is over
            }

            await Task.WhenAll(connections);
        }

        private async Task ConnectionAsync(TcpClient client, CancellationToken cancellationToken)
        {
            using var owned = client;
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
            async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
            try
            {
                await Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR NAMESPACE UNSELECT] scripted\r\n");
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    var space = line.IndexOf(' ', StringComparison.Ordinal);
                    var tag = line[..space];
                    var command = line[(space + 1)..];
                    var verb = command.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "CAPABILITY":
                            await Send($"* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR NAMESPACE UNSELECT\r\n{tag} OK done\r\n");
                            break;
                        case "AUTHENTICATE" or "LOGIN":
                            await Send($"{tag} OK [CAPABILITY IMAP4rev1 NAMESPACE UNSELECT] logged in\r\n");
                            break;
                        case "NAMESPACE":
                            await Send($"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n{tag} OK done\r\n");
                            break;
                        case "LIST":
                            await Send($"* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK done\r\n");
                            break;
                        case "EXAMINE" or "SELECT":
                            await Send("* FLAGS (\\Seen \\Flagged)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] ok\r\n" +
                                       $"* OK [PERMANENTFLAGS ()] ok\r\n{tag} OK [READ-ONLY] examined\r\n");
                            break;
                        case "FETCH":
                            await Send(Fetch(1) + Fetch(2) + Fetch(3) + $"{tag} OK done\r\n");
                            break;
                        case "UID" when command.StartsWith("UID SEARCH", StringComparison.OrdinalIgnoreCase):
                            await Send($"* SEARCH 1 2 3\r\n{tag} OK done\r\n");
                            break;
                        case "UID" when command.StartsWith("UID FETCH", StringComparison.OrdinalIgnoreCase):
                            Interlocked.Increment(ref singleFetches);
                            var uid = uint.Parse(command.Split(' ')[2], CultureInfo.InvariantCulture);
                            await Send(Fetch(uid) + $"{tag} OK done\r\n");
                            break;
                        case "LOGOUT":
                            await Send($"* BYE bye\r\n{tag} OK done\r\n");
                            return;
                        default:
                            await Send($"{tag} OK done\r\n"); // CLOSE, UNSELECT, NOOP, ENABLE, ID…
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // the client dropped the connection (as MailKit does after an answer it cannot read), or the test is over
            }
        }

        private string Fetch(uint uid)
        {
            var header = $"Message-ID: <m{uid}@example.jp>\r\n\r\n";
            var date = uid == brokenUid ? $"{{5000}}\r\n{new string('d', 5000)}" : "\"02-Apr-2024 10:00:00 +0900\"";
            return $"* {uid} FETCH (UID {uid} RFC822.SIZE {100 + uid} FLAGS (\\Seen) INTERNALDATE {date} BODY[HEADER.FIELDS (MESSAGE-ID)] {{{header.Length}}}\r\n{header})\r\n";
        }
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Dxmig.TestSupport.Mail;

/// <summary>
/// Just enough IMAP for MailKit (login, NAMESPACE, LIST, EXAMINE, FETCH, UID SEARCH, UID FETCH, CLOSE, LOGOUT) over one
/// INBOX of three messages, UIDs 1–3 (Message-ID &lt;m{uid}@example.jp&gt;, size 100 + uid, \Seen, INTERNALDATE
/// 2024-04-02 10:00 +09:00), whose answer for <c>brokenUid</c> no client can take: its INTERNALDATE is a 5,000-byte
/// literal, over MailKit's 4 KB limit on a string (MailKit drops the connection, as it did on a 64 KB Subject).
/// </summary>
public sealed class ScriptedImapServer(TcpListener listener, uint brokenUid)
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

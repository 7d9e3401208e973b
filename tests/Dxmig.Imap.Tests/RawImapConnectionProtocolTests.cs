using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Imap;
using Dxmig.Contracts.Records;
using Dxmig.TestSupport;

namespace Dxmig.Imap.Tests;

/// <summary>
/// The raw connection against a scripted server: UID FETCH of bodies (lines and literals of every size against the
/// read block) and pipelined MULTIAPPEND (answers in order, a refused command among accepted ones).
/// </summary>
public sealed class RawImapConnectionProtocolTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task FetchBodies_SmallAndLargeLiteralsAndALineLongerThanTheReadBlock_ArriveByteForByte()
    {
        var bodies = new Dictionary<uint, byte[]>
        {
            [1] = Body(10),
            [2] = Body(70_000),
            [3] = Body(300_000),
            [4] = Body(0),
            [5] = Body(5),
        };
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = ServeAsync(listener, bodies);
        var endpoint = EndpointOf(listener);

        await using (var connection = await RawImapConnection.ConnectAsync(endpoint, "tanaka", CancellationToken.None))
        {
            var fetched = await connection.FetchBodiesAsync(
                "INBOX", 7, [.. bodies.Keys], (stream, length, ct) => MessageContent.CopyAsync(stream, length, temp.Path, ct), CancellationToken.None);
            try
            {
                fetched.Keys.Should().BeEquivalentTo(bodies.Keys);
                foreach (var (uid, body) in bodies)
                {
                    fetched[uid].Length.Should().Be(body.Length);
                    fetched[uid].Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(body)), $"UID {uid}");
                }
            }
            finally
            {
                foreach (var content in fetched.Values)
                {
                    content.Dispose();
                }
            }
        }

        await server;
    }

    [Fact]
    public async Task AppendPipelined_AnswersInOrder_ARefusedCommandAmongAcceptedOnes_AndEveryMessageSentWhole()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var received = new List<(string Mailbox, List<byte[]> Messages)>();
        var server = ServeAppendsAsync(listener, received, refuse: 2);
        var endpoint = EndpointOf(listener);
        var commands = new List<(string Mailbox, IReadOnlyList<AppendItem> Items)>
        {
            ("INBOX", [Item(Body(100)), Item(Body(200_000))]),
            ("送信済み", [Item(Body(3))]),
            ("INBOX", [Item(Body(0)), Item(Body(70_000)), Item(Body(10))]),
        };
        var confirmed = new List<int>();

        IReadOnlyList<AppendOutcome> outcomes;
        await using (var connection = await RawImapConnection.ConnectAsync(endpoint, "tanaka", CancellationToken.None))
        {
            outcomes = await connection.AppendPipelinedAsync(commands, (i, _) => { confirmed.Add(i); return Task.CompletedTask; }, CancellationToken.None);
        }

        await server;
        confirmed.Should().Equal(0, 2);
        outcomes[0].Result!.Uids.Should().Equal(1u, 2u);
        outcomes[1].Result.Should().BeNull();
        outcomes[1].Refusal.Should().Contain("too big");
        outcomes[2].Result!.Uids.Should().Equal(3u, 4u, 5u);
        received.Select(r => r.Mailbox).Should().Equal("INBOX", ModifiedUtf7.Encode("送信済み"), "INBOX");
        received.SelectMany(r => r.Messages).Select(m => m.Length).Should().Equal(100, 200_000, 3, 0, 70_000, 10);
        received.SelectMany(r => r.Messages).Should().OnlyContain(m => m.SequenceEqual(Body(m.Length)));
    }

    private static AppendItem Item(byte[] body) =>
        new(["\\Seen", "$Label1"], new DateTimeOffset(2024, 4, 1, 9, 30, 0, TimeSpan.FromHours(9)), body.Length, () => new MemoryStream(body, writable: false));

    private static async Task ServeAppendsAsync(TcpListener listener, List<(string Mailbox, List<byte[]> Messages)> received, int refuse)
    {
        using var client = await listener.AcceptTcpClientAsync();
        await using var stream = client.GetStream();
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await Send("* OK ready\r\n");
        await Send($"* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n{(await LineAsync(stream)).Split(' ')[0]} OK done\r\n");
        await Send($"{(await LineAsync(stream)).Split(' ')[0]} OK logged in\r\n");
        await Send($"* CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS\r\n{(await LineAsync(stream)).Split(' ')[0]} OK done\r\n");
        uint next = 1;
        for (var command = 1; command <= 3; command++)
        {
            var line = await LineAsync(stream);
            var tag = line.Split(' ')[0];
            var mailbox = line.Split('"')[1];
            var messages = new List<byte[]>();
            while (line.EndsWith("+}", StringComparison.Ordinal))
            {
                var size = int.Parse(line[(line.LastIndexOf('{') + 1)..^2], CultureInfo.InvariantCulture);
                var body = new byte[size];
                await stream.ReadExactlyAsync(body);
                messages.Add(body);
                line = await LineAsync(stream);
            }

            received.Add((mailbox, messages));
            if (command == refuse)
            {
                await Send($"{tag} NO [TOOBIG] too big\r\n");
                continue;
            }

            var first = next;
            next += (uint)messages.Count;
            await Send($"{tag} OK [APPENDUID 9 {first}:{next - 1}] done\r\n");
        }

        _ = await LineAsync(stream); // LOGOUT
    }

    /// <summary>One line from the client, read byte by byte so that nothing after it is taken from the stream.</summary>
    private static async Task<string> LineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != '\n')
        {
            bytes.Add(one[0]);
        }

        return Encoding.UTF8.GetString([.. bytes]).TrimEnd('\r');
    }

    private static ImapEndpoint EndpointOf(TcpListener listener) => new()
    {
        Host = "127.0.0.1",
        Port = ((IPEndPoint)listener.LocalEndpoint).Port,
        Security = ImapSecurity.None,
        AdminUser = "admin",
        AdminPassword = "secret",
    };

    private static byte[] Body(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i % 251))];

    private static async Task ServeAsync(TcpListener listener, Dictionary<uint, byte[]> bodies)
    {
        using var client = await listener.AcceptTcpClientAsync();
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
        async Task Send(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        async Task<string> Tag() => (await reader.ReadLineAsync())!.Split(' ')[0];

        await Send("* OK ready\r\n");
        await Send($"* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n{await Tag()} OK done\r\n");
        await Send($"{await Tag()} OK logged in\r\n");
        await Send($"* CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS\r\n{await Tag()} OK done\r\n");
        await Send($"* OK [UIDVALIDITY 7] ok\r\n{await Tag()} OK [READ-ONLY] done\r\n");
        var fetch = await Tag();

        // An untagged line longer than the connection's read block, then the bodies, some inside one block, one past it.
        await Send("* OK " + new string('x', 200_000) + "\r\n");
        foreach (var (uid, body) in bodies)
        {
            await Send($"* {uid} FETCH (UID {uid} BODY[] {{{body.Length}}}\r\n");
            await stream.WriteAsync(body);
            await Send(")\r\n");
        }

        await Send($"{fetch} OK done\r\n");
        _ = await reader.ReadLineAsync(); // LOGOUT
    }
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Platform.Imap;
using Dxmig.Platform.Records;
using Dxmig.TestSupport;

namespace Dxmig.Loaders.Tests;

/// <summary>UID FETCH of bodies against a scripted server: lines and literals of every size against the read block.</summary>
public sealed class RawImapConnectionFetchTests : IDisposable
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
        var endpoint = new ImapEndpoint
        {
            Host = "127.0.0.1",
            Port = ((IPEndPoint)listener.LocalEndpoint).Port,
            Security = ImapSecurity.None,
            AdminUser = "admin",
            AdminPassword = "secret",
        };

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

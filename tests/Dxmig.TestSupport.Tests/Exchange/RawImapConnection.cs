using System.Net.Sockets;
using System.Text;
using Dxmig.TestSupport.Exchange;

namespace Dxmig.TestSupport.Tests.Exchange;

/// <summary>A line-level IMAP client for the proxy's tests: sends exactly the bytes given and returns the lines read.</summary>
internal sealed class RawImapConnection : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient tcp = new() { NoDelay = true };
    private readonly List<byte> pending = [];
    private NetworkStream stream = null!;

    public string Greeting { get; private set; } = "";

    public static async Task<RawImapConnection> OpenAsync(ExchangeImapProxy proxy)
    {
        var connection = new RawImapConnection();
        await connection.tcp.ConnectAsync(proxy.Host, proxy.Port);
        connection.stream = connection.tcp.GetStream();
        connection.Greeting = await connection.ReadLineAsync() ?? throw new IOException("no greeting");
        return connection;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await stream.WriteAsync(bytes);

    /// <summary>Sends one command line and returns every line up to and including its tagged answer.</summary>
    public async Task<IReadOnlyList<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    /// <summary>The lines up to and including the one tagged <paramref name="tag"/> (literals in them read whole).</summary>
    public async Task<IReadOnlyList<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("closed before " + tag + " was answered; read: " + string.Join(" | ", lines));
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>The next line without CRLF (a literal it announces read with it); null when the proxy closed.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var line = new StringBuilder();
        while (true)
        {
            var index = pending.IndexOf((byte)'\n');
            if (index >= 0)
            {
                var text = Encoding.Latin1.GetString(pending.GetRange(0, index + 1).ToArray()).TrimEnd('\r', '\n');
                pending.RemoveRange(0, index + 1);
                line.Append(text);
                if (text.EndsWith('}') && text.LastIndexOf('{') is var open and >= 0 && int.TryParse(text[(open + 1)..^1], out var size))
                {
                    while (pending.Count < size)
                    {
                        if (!await FillAsync(timeout.Token))
                        {
                            return null;
                        }
                    }

                    line.Append("\r\n").Append(Encoding.Latin1.GetString(pending.GetRange(0, size).ToArray()));
                    pending.RemoveRange(0, size);
                    continue;
                }

                return line.ToString();
            }

            if (!await FillAsync(timeout.Token))
            {
                return null;
            }
        }
    }

    /// <summary>True when the proxy closed the connection (everything it still sent is read and dropped).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (await FillAsync(timeout.Token))
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        pending.AddRange(buffer.AsSpan(0, read).ToArray());
        return read > 0;
    }

    public ValueTask DisposeAsync()
    {
        tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

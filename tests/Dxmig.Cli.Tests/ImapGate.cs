using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Dxmig.Cli.Tests;

/// <summary>
/// A loopback port in front of an IMAP server that is either up (every connection passed through) or down (every
/// connection accepted and closed at once, before any greeting; going down also cuts the connections open), counting
/// the connections made to it: what a dead server behind a front end looks like, and how often a run knocked.
/// </summary>
internal sealed class ImapGate : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly string upstreamHost;
    private readonly int upstreamPort;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<Socket, bool> open = new();
    private readonly Task accepting;
    private long accepted;
    private volatile bool up;

    private ImapGate(string upstreamHost, int upstreamPort, bool up)
    {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.up = up;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public static ImapGate Start(string upstreamHost, int upstreamPort, bool up) => new(upstreamHost, upstreamPort, up);

    public int Port { get; }

    /// <summary>Connections made to the gate so far (up or down).</summary>
    public long Accepted => Interlocked.Read(ref accepted);

    /// <summary>Up: connections pass; down: they are closed at once, and the open ones are cut.</summary>
    public bool Up
    {
        get => up;
        set
        {
            up = value;
            if (!value)
            {
                foreach (var socket in open.Keys)
                {
                    Close(socket);
                }
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref accepted);
            if (!up)
            {
                Close(client);
                continue;
            }

            _ = PassAsync(client);
        }
    }

    private async Task PassAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        open[client] = true;
        open[server] = true;
        try
        {
            await server.ConnectAsync(upstreamHost, upstreamPort, stop.Token);
            using var a = new NetworkStream(client, ownsSocket: false);
            using var b = new NetworkStream(server, ownsSocket: false);
            await Task.WhenAny(a.CopyToAsync(b, stop.Token), b.CopyToAsync(a, stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Cut: the gate went down, or one side closed.
        }
        finally
        {
            open.TryRemove(client, out _);
            open.TryRemove(server, out _);
            Close(client);
            Close(server);
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        foreach (var socket in open.Keys)
        {
            Close(socket);
        }

        stop.Dispose();
    }
}

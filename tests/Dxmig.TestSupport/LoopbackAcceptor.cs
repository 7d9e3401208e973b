using System.Net.Sockets;

namespace Dxmig.TestSupport;

/// <summary>The accept loop the test proxies share: each connection handed on with its number (from 1) until stopped.</summary>
internal static class LoopbackAcceptor
{
    /// <summary>Accepts until <paramref name="stop"/> or the listener's end; <paramref name="accepted"/> gets each socket and its number.</summary>
    public static async Task AcceptAsync(TcpListener listener, Func<long> nextNumber, Action<int, Socket> accepted, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            accepted((int)nextNumber(), client);
        }
    }
}

using Dxmig.Contracts;
using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Imap;

/// <summary>
/// The one retry rule for IMAP connections: a step that fails because the connection was lost (the server restarted,
/// a network drop) runs again on a fresh connection after a back-off doubling from 0.25 s, up to <see cref="Attempts"/>
/// times (about 8 s in all: long enough for a server's restart, where a connection is refused for a few seconds); any
/// other failure goes straight up.
/// </summary>
public static class ImapRetry
{
    public const int Attempts = 6;

    public static bool IsConnectionLoss(Exception ex) =>
        ex is IOException or ImapProtocolException or ServiceNotConnectedException or System.Net.Sockets.SocketException ||
        (ex is AccountFailedException && ex.InnerException is IOException or System.Net.Sockets.SocketException or ImapProtocolException);

    /// <summary>Runs <paramref name="step"/>; after a connection loss calls <paramref name="reset"/> (drop the connection) and tries again.</summary>
    public static async Task<T> RunAsync<T>(Func<int, Task<T>> step, Func<Exception, int, Task> reset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(reset);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step(attempt);
            }
            catch (Exception ex) when (attempt < Attempts && IsConnectionLoss(ex) && !cancellationToken.IsCancellationRequested)
            {
                await reset(ex, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(250 << (attempt - 1)), cancellationToken);
            }
        }
    }

    /// <summary>Disposes a connection that may already be broken.</summary>
    public static async Task DropAsync(IAsyncDisposable? connection)
    {
        if (connection is null)
        {
            return;
        }

        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            // It is already broken; that is why it is dropped.
        }
    }
}

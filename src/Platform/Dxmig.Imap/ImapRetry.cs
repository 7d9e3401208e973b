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

    /// <summary>How many "Suggested Backoff Time" answers one step waits out before its failure goes up.</summary>
    public const int ThrottleWaits = 30;

    /// <summary>
    /// Runs <paramref name="step"/>; after a connection loss calls <paramref name="reset"/> (drop the connection) and
    /// tries again. A step refused because the server asked to back off (Exchange's "Suggested Backoff Time", seen in
    /// the exception or on the wire by <see cref="ImapThrottleWatch"/>) is tried again once that wait is over, on the
    /// same connections; <paramref name="waitOut"/> does the waiting (a plain delay when null). The attempt number
    /// given to the step counts every try, so a step can tell a first try from a retry.
    /// </summary>
    public static async Task<T> RunAsync<T>(
        Func<int, Task<T>> step, Func<Exception, int, Task> reset, CancellationToken cancellationToken, Func<TimeSpan, Task>? waitOut = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(reset);
        var watch = ImapThrottleWatch.Begin();
        var losses = 0;
        var waits = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                watch.Clear();
                return await step(attempt);
            }
            catch (Exception ex) when (!IsConnectionLoss(ex) && waits < ThrottleWaits && (ImapOAuth.Backoff(ex) ?? watch.Backoff) is { } backoff
                                       && !cancellationToken.IsCancellationRequested)
            {
                waits++;
                await (waitOut is null ? ImapOAuth.WaitAsync(backoff, cancellationToken) : waitOut(backoff));
            }
            catch (Exception ex) when (IsConnectionLoss(ex) && ++losses < Attempts && !cancellationToken.IsCancellationRequested)
            {
                // A server that closed the connection after refusing too often (Exchange) is given its wait too.
                await reset(ex, losses);
                var pause = TimeSpan.FromMilliseconds(250 << (losses - 1));
                await Task.Delay(watch.Backoff is { } backoff && backoff > pause ? backoff : pause, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs one command (or a few that may safely run again: a read, a STORE that sets flags, a folder looked up or
    /// created) and, when the server asks to back off, waits as long as it asked and runs it again — only that
    /// command, not the step around it, so a server with a tight budget is not sent more than it allows.
    /// </summary>
    public static async Task<T> PatientlyAsync<T>(Func<Task<T>> command, CancellationToken cancellationToken, Func<TimeSpan, Task>? waitOut = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ImapThrottleWatch.EnsureCurrent();
        for (var waits = 0; ; waits++)
        {
            TimeSpan? backoff;
            try
            {
                ImapThrottleWatch.TakeCurrent();
                var result = await command();
                // MailKit lets some refusals pass without an exception (a STORE answered NO): a throttled answer heard
                // during the command means part of it was not done, and the command is one that may run again.
                if (waits >= ThrottleWaits || ImapThrottleWatch.TakeCurrent() is not { } heard)
                {
                    return result;
                }

                backoff = heard;
            }
            catch (Exception ex) when (!IsConnectionLoss(ex) && waits < ThrottleWaits && (ImapOAuth.Backoff(ex) ?? ImapThrottleWatch.TakeCurrent()) is { } wait
                                       && !cancellationToken.IsCancellationRequested)
            {
                backoff = wait;
            }

            await (waitOut is null ? ImapOAuth.WaitAsync(backoff.Value, cancellationToken) : waitOut(backoff.Value));
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

using Dxmig.Imap;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Imap;

/// <summary>
/// Source logins made ahead of their account's turn: the first accounts' while a run opens its ledger, then, each
/// time an account starts, the login of the account that many places further on. An account whose turn comes finds
/// its connection open, so a run over unchanged mailboxes waits for one login instead of one per account. A login
/// that failed, or that waited longer than <see cref="MaxWait"/> (an account before it took long), is closed and made
/// again in the ordinary way when its account starts, with the usual retries and messages.
/// </summary>
internal sealed class EarlyLogins(ImapEndpoint endpoint, ILogger logger, TimeProvider time) : IAsyncDisposable
{
    /// <summary>An early login older than this is not used (servers drop idle connections; the account reconnects).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private readonly Dictionary<string, (Task<ImapClient> Login, long Started)> pending = new(StringComparer.Ordinal);
    private IReadOnlyList<string> order = [];
    private int next;
    private CancellationToken cancellationToken;

    /// <summary>Starts the logins of the first <paramref name="ahead"/> accounts, in run order.</summary>
    public void Start(IReadOnlyList<string> accounts, int ahead, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        lock (gate)
        {
            order = accounts;
            cancellationToken = stopToken;
            while (next < Math.Min(ahead, order.Count))
            {
                StartNext();
            }
        }
    }

    /// <summary>The account's early connection, if one is open and fresh; starts the login of the next account in line.</summary>
    public async Task<ImapClient?> TakeAsync(string account)
    {
        (Task<ImapClient> Login, long Started) entry;
        lock (gate)
        {
            if (!pending.Remove(account, out entry))
            {
                return null;
            }

            if (next < order.Count)
            {
                StartNext();
            }
        }

        ImapClient client;
        try
        {
            client = await entry.Login;
        }
#pragma warning disable CA1031 // A failed early login is made again, with its error reported, when the account connects itself.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogDebug("{Account}: 事前ログイン失敗、改めて接続します / early login failed ({Reason}); connecting again", account, ex.Message);
            return null;
        }

        if (time.GetElapsedTime(entry.Started) > MaxWait || !client.IsConnected)
        {
            await CloseAsync(client);
            return null;
        }

        return client;
    }

    /// <summary>Closes the logins nobody took: the finished ones now, the others when they finish (never waited for).</summary>
    public ValueTask DisposeAsync()
    {
        List<Task<ImapClient>> left;
        lock (gate)
        {
            left = [.. pending.Values.Select(p => p.Login)];
            pending.Clear();
            next = order.Count;
        }

        foreach (var login in left)
        {
            // A login nobody took that failed has nothing to close; one still under way is closed when it is done.
            _ = login.ContinueWith(t => CloseAsync(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Logs out and lets the connection go; one already broken is simply dropped.</summary>
    public static async Task CloseAsync(ImapClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ImapRetry.IsConnectionLoss(ex))
        {
            // Already gone.
        }

        client.Dispose();
    }

    private void StartNext()
    {
        var account = order[next++];
        var token = cancellationToken;
        pending.TryAdd(account, (Task.Run(() => ImapConnector.ConnectAsync(endpoint, account, token), token), time.GetTimestamp()));
    }
}

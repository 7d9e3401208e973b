using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Dxmig.Sandbox;

namespace Dxmig.TestSupport.Exchange;

/// <summary>
/// A loopback IMAP proxy that makes a real server (a <see cref="DovecotServer"/>) answer as Exchange Online's IMAP
/// service does: Exchange's greeting and capabilities, unsupported commands refused, <c>\Flagged</c> dropped from APPEND,
/// the message size limit, throttling, a BYE after repeated errors or once the access token expired, reserved folder
/// names, and the connection limit per mailbox (see <see cref="ExchangeImapProxyOptions"/>). It parses both directions
/// as IMAP: a client command is read whole (the proxy answers <c>+</c> to synchronizing literals itself and forwards
/// every literal as LITERAL+), and answers the proxy gives itself keep the order of pipelined commands (the command is
/// replaced upstream by a NOOP whose tagged answer is rewritten).
/// </summary>
public sealed class ExchangeImapProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<int, ExchangeImapSession> sessions = new();
    private readonly ConcurrentDictionary<int, Task> serving = new();
    private readonly ConcurrentDictionary<string, long> commands = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> connectionsPerMailbox = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<ExchangeThrottleRecord> throttled = new();
    private readonly ConcurrentQueue<string> log = new();
    private readonly Dictionary<string, DateTimeOffset> throttledUntil = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<DateTimeOffset>> recentCommands = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock throttleGate = new();
    private readonly Task acceptLoop;
    private int throttleBudget;
    private TimeSpan throttleBackoff;
    private string? throttleMailbox;
    private long connectionCount;
    private long appends;
    private long bytesAppended;
    private long disconnects;
    private long logins;
    private long refusedLogins;

    private ExchangeImapProxy(string targetHost, int targetPort, ExchangeImapProxyOptions options)
    {
        TargetHost = targetHost;
        TargetPort = targetPort;
        Options = options;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Starts a proxy in front of <paramref name="server"/>'s plain IMAP port.</summary>
    public static ExchangeImapProxy Start(DovecotServer server, ExchangeImapProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Start(server.Host, server.Port, options);
    }

    /// <summary>Starts a proxy in front of a plain IMAP server at <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ExchangeImapProxy Start(string targetHost, int targetPort, ExchangeImapProxyOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetHost);
        options ??= new ExchangeImapProxyOptions();
        options.Validate();
        return new ExchangeImapProxy(targetHost, targetPort, options);
    }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public ExchangeImapProxyOptions Options { get; }

    internal string TargetHost { get; }

    internal int TargetPort { get; }

    internal TimeProvider Time => Options.TimeProvider;

    /// <summary>Connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref connectionCount);

    /// <summary>Connections open now.</summary>
    public int OpenConnections => sessions.Count;

    /// <summary>Commands read from clients, by name (<c>APPEND</c>, <c>UID FETCH</c>, …), refused ones included.</summary>
    public IReadOnlyDictionary<string, long> CommandsByName => new Dictionary<string, long>(commands, StringComparer.Ordinal);

    /// <summary>APPENDs forwarded to the server (refused ones not counted).</summary>
    public long Appends => Interlocked.Read(ref appends);

    /// <summary>Message bytes of the APPENDs forwarded.</summary>
    public long BytesAppended => Interlocked.Read(ref bytesAppended);

    /// <summary>Throttled answers, in the order written.</summary>
    public IReadOnlyList<ExchangeThrottleRecord> Throttled => throttled.ToArray();

    public long ThrottledAnswers => throttled.Count;

    /// <summary>Connections the proxy closed with a BYE (repeated errors, expired token).</summary>
    public long Disconnects => Interlocked.Read(ref disconnects);

    /// <summary>Successful logins (LOGIN or AUTHENTICATE).</summary>
    public long Logins => Interlocked.Read(ref logins);

    /// <summary>Logins refused for the connection limit per mailbox.</summary>
    public long RefusedLogins => Interlocked.Read(ref refusedLogins);

    /// <summary>Authenticated (or authenticating) connections per mailbox now, by lower-case mailbox name.</summary>
    public IReadOnlyDictionary<string, int> ConnectionsPerMailbox =>
        connectionsPerMailbox.Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>One line per proxy decision (refusals, BYEs, throttling), for a failing test's message.</summary>
    public IReadOnlyCollection<string> Log => log;

    /// <summary>
    /// The next <paramref name="count"/> commands of authenticated connections (of <paramref name="mailbox"/> only, when
    /// given) are answered <c>NO Request is throttled. Suggested Backoff Time: N milliseconds</c>; until that backoff
    /// has passed, every command of the mailbox is refused the same way (with the time left), LOGOUT excepted.
    /// </summary>
    public void ThrottleNext(int count, TimeSpan backoff, string? mailbox = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(backoff, TimeSpan.FromMilliseconds(1));
        lock (throttleGate)
        {
            throttleBudget = count;
            throttleBackoff = backoff;
            throttleMailbox = mailbox;
        }
    }

    public override string ToString() =>
        $"connections {Connections} (open {OpenConnections}), logins {Logins} (refused {RefusedLogins}), appends {Appends} ({BytesAppended} B), throttled {ThrottledAnswers}, disconnects {Disconnects}";

    internal void CountCommand(string name) => commands.AddOrUpdate(name.Length == 0 ? "(unparsable)" : name, 1, (_, n) => n + 1);

    internal void CountAppend(long bytes)
    {
        Interlocked.Increment(ref appends);
        Interlocked.Add(ref bytesAppended, bytes);
    }

    internal void CountDisconnect() => Interlocked.Increment(ref disconnects);

    internal void CountLogin() => Interlocked.Increment(ref logins);

    internal void Note(string line) => log.Enqueue(line);

    /// <summary>Takes one of the mailbox's connection slots; false (and a refused login counted) when none is left.</summary>
    internal bool TryReserveConnection(string mailbox)
    {
        var limit = Options.MaxConnectionsPerMailbox ?? int.MaxValue;
        while (true)
        {
            var current = connectionsPerMailbox.GetOrAdd(mailbox, 0);
            if (current >= limit)
            {
                Interlocked.Increment(ref refusedLogins);
                return false;
            }

            if (connectionsPerMailbox.TryUpdate(mailbox, current + 1, current))
            {
                return true;
            }
        }
    }

    internal void ReleaseConnection(string mailbox) => connectionsPerMailbox.AddOrUpdate(mailbox, 0, (_, n) => Math.Max(0, n - 1));

    /// <summary>The backoff to answer a command of <paramref name="mailbox"/> with, or null when it may run.</summary>
    internal (TimeSpan Backoff, bool WithinEarlier)? Throttle(string mailbox, DateTimeOffset now)
    {
        lock (throttleGate)
        {
            if (throttledUntil.TryGetValue(mailbox, out var until) && until > now)
            {
                return (until - now, true);
            }

            if (throttleBudget > 0 && (throttleMailbox is null || string.Equals(throttleMailbox, mailbox, StringComparison.OrdinalIgnoreCase)))
            {
                throttleBudget--;
                throttledUntil[mailbox] = now + throttleBackoff;
                return (throttleBackoff, false);
            }

            if (Options.MaxCommandsPerSecond is { } budget)
            {
                if (!recentCommands.TryGetValue(mailbox, out var recent))
                {
                    recentCommands[mailbox] = recent = new Queue<DateTimeOffset>();
                }

                while (recent.Count > 0 && now - recent.Peek() >= TimeSpan.FromSeconds(1))
                {
                    recent.Dequeue();
                }

                if (recent.Count >= budget)
                {
                    recent.Clear();
                    throttledUntil[mailbox] = now + Options.RateLimitBackoff;
                    return (Options.RateLimitBackoff, false);
                }

                recent.Enqueue(now);
            }

            return null;
        }
    }

    /// <summary>Records a throttled answer as written; a fresh one starts its backoff now.</summary>
    internal void RecordThrottled(ExchangeThrottleRecord record)
    {
        if (!record.WithinEarlierBackoff)
        {
            lock (throttleGate)
            {
                throttledUntil[record.Mailbox] = record.AnsweredAt + record.Backoff;
            }
        }

        throttled.Enqueue(record);
    }

    private Task AcceptLoopAsync() => LoopbackAcceptor.AcceptAsync(
        listener,
        () => Interlocked.Increment(ref connectionCount),
        (number, client) =>
        {
            var session = new ExchangeImapSession(this, number, client);
            sessions[number] = session;
            serving[number] = ServeAsync(number, session);
        },
        stop.Token);

    private async Task ServeAsync(int number, ExchangeImapSession session)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(stop.Token);
        }
        finally
        {
            sessions.TryRemove(number, out _);
            serving.TryRemove(number, out _);
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await acceptLoop;
        foreach (var session in sessions.Values)
        {
            session.Close();
        }

        await Task.WhenAll(serving.Values);
        stop.Dispose();
    }
}

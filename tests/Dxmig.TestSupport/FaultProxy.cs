using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Dxmig.TestSupport;

/// <summary>A loopback TCP proxy that forwards bytes to a target host:port and injects faults by a seeded
/// <see cref="FaultPlan"/>: connections cut at a byte offset, stalls, slow links. It forwards bytes only, so TLS passes
/// through end to end (the client still sees, and may pin, the target's certificate).</summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<int, Task> connections = new();
    private readonly ConcurrentQueue<string> log = new();
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly Task acceptLoop;
    private long connectionCount;
    private long drops;
    private long stalls;
    private long slowLinks;
    private long bytesUpstream;
    private long bytesDownstream;
    private volatile FaultPlan faults;

    private FaultProxy(string targetHost, int targetPort, FaultPlan plan)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        faults = plan;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptLoopAsync();
    }

    public static FaultProxy Start(string targetHost, int targetPort, FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new FaultProxy(targetHost, targetPort, plan);
    }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    /// <summary>The plan for connections accepted from now on (connections already open keep theirs).</summary>
    public FaultPlan Faults
    {
        get => faults;
        set => faults = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>One line per closed connection: its number, the faults planned for it, and the bytes it carried.</summary>
    public IReadOnlyCollection<string> Log => log;

    public long Connections => Interlocked.Read(ref connectionCount);

    public long BytesUpstream => Interlocked.Read(ref bytesUpstream);

    public long BytesDownstream => Interlocked.Read(ref bytesDownstream);

    public long FaultsInjected => Interlocked.Read(ref drops) + Interlocked.Read(ref stalls) + Interlocked.Read(ref slowLinks);

    public IReadOnlyDictionary<ProxyFaultKind, long> FaultsByKind => new Dictionary<ProxyFaultKind, long>
    {
        [ProxyFaultKind.Drop] = Interlocked.Read(ref drops),
        [ProxyFaultKind.Stall] = Interlocked.Read(ref stalls),
        [ProxyFaultKind.SlowLink] = Interlocked.Read(ref slowLinks),
    };

    public override string ToString() =>
        $"connections {Connections}, drops {FaultsByKind[ProxyFaultKind.Drop]}, stalls {FaultsByKind[ProxyFaultKind.Stall]}, slow links {FaultsByKind[ProxyFaultKind.SlowLink]}, bytes up {BytesUpstream}, down {BytesDownstream}";

    private Task AcceptLoopAsync() => LoopbackAcceptor.AcceptAsync(
        listener, () => Interlocked.Increment(ref connectionCount), (number, client) => connections[number] = ServeAsync(number, client, faults), stop.Token);

    private async Task ServeAsync(int number, Socket client, FaultPlan plan)
    {
        await Task.Yield();
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(new DnsEndPoint(targetHost, targetPort), stop.Token);
            var decided = Decide(number, plan);
            var connection = new Connection(this, client, upstream, decided, plan);
            var sizes = await Task.WhenAll(
                connection.PumpAsync(client, upstream, FaultDirection.Upstream, stop.Token),
                connection.PumpAsync(upstream, client, FaultDirection.Downstream, stop.Token));
            log.Enqueue($"#{number}: drop {decided.Drop?.ToString() ?? "-"}, stall {decided.Stall?.ToString() ?? "-"}, up {sizes[0]} B, down {sizes[1]} B{(connection.WasCut ? ", cut" : "")}");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The target refused, or the proxy is stopping.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            connections.TryRemove(number, out _);
        }
    }

    private ConnectionFaults Decide(int number, FaultPlan plan)
    {
        var random = new Random(unchecked((plan.Seed * 7919) + number));
        Fault? drop = null;
        Fault? stall = null;
        if (random.NextDouble() < plan.DropProbability)
        {
            drop = new Fault(Direction(plan.DropDirection, random), LogUniform(random, plan.DropMinOffset, plan.DropMaxOffset));
        }

        if (random.NextDouble() < plan.StallProbability)
        {
            stall = new Fault(Direction(FaultDirection.Either, random), LogUniform(random, Math.Min(100, plan.StallMaxOffset), plan.StallMaxOffset));
        }

        if (plan.BytesPerSecond is not null)
        {
            Interlocked.Increment(ref slowLinks);
        }

        return new ConnectionFaults(drop, stall);

        // Log-uniform: short connections (a login, a folder list) are cut as often as long ones (a mailbox's APPENDs).
        static long LogUniform(Random random, long min, long max) =>
            min >= max ? min : Math.Clamp((long)Math.Round(Math.Exp(Math.Log(Math.Max(1, min)) + (random.NextDouble() * (Math.Log(max) - Math.Log(Math.Max(1, min)))))), min, max);

        static FaultDirection Direction(FaultDirection wanted, Random random) =>
            wanted != FaultDirection.Either ? wanted : random.Next(2) == 0 ? FaultDirection.Upstream : FaultDirection.Downstream;
    }

    private bool TryReserveDrop(FaultPlan plan)
    {
        while (true)
        {
            var current = Interlocked.Read(ref drops);
            if (plan.MaxDrops is { } max && current >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref drops, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await acceptLoop;
        await Task.WhenAll(connections.Values);
        stop.Dispose();
    }

    private readonly record struct Fault(FaultDirection Direction, long Offset);

    private sealed record ConnectionFaults(Fault? Drop, Fault? Stall);

    private sealed class Connection(FaultProxy proxy, Socket client, Socket upstream, ConnectionFaults faults, FaultPlan plan)
    {
        private int aborted;

        public bool WasCut { get; private set; }

        public async Task<long> PumpAsync(Socket from, Socket to, FaultDirection direction, CancellationToken cancellationToken)
        {
            var buffer = new byte[BufferSize];
            long offset = 0;
            var drop = faults.Drop is { } d && d.Direction == direction ? d : (Fault?)null;
            var stall = faults.Stall is { } s && s.Direction == direction ? s : (Fault?)null;
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return offset;
                    }

                    var count = read;
                    if (drop is { } cut && offset + count >= cut.Offset)
                    {
                        count = (int)(cut.Offset - offset);
                        await SendAsync(to, buffer.AsMemory(0, count), direction, cancellationToken);
                        if (proxy.TryReserveDrop(plan))
                        {
                            WasCut = true;
                            Abort();
                            return offset + count;
                        }

                        drop = null;
                        offset += count;
                        await SendAsync(to, buffer.AsMemory(count, read - count), direction, cancellationToken);
                        offset += read - count;
                        continue;
                    }

                    if (stall is { } pause && offset + count >= pause.Offset)
                    {
                        stall = null;
                        Interlocked.Increment(ref proxy.stalls);
                        await Task.Delay(plan.StallDuration, cancellationToken);
                    }

                    if (plan.BytesPerSecond is { } rate)
                    {
                        // Paced before sending: the last byte of the chunk leaves no earlier than the cap allows.
                        var due = TimeSpan.FromSeconds((double)(offset + count) / rate) - started.Elapsed;
                        if (due > TimeSpan.Zero)
                        {
                            await Task.Delay(due, cancellationToken);
                        }
                    }

                    await SendAsync(to, buffer.AsMemory(0, count), direction, cancellationToken);
                    offset += count;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                Abort();
            }

            return offset;
        }

        private async Task SendAsync(Socket to, ReadOnlyMemory<byte> bytes, FaultDirection direction, CancellationToken cancellationToken)
        {
            while (!bytes.IsEmpty)
            {
                var sent = await to.SendAsync(bytes, SocketFlags.None, cancellationToken);
                bytes = bytes[sent..];
                if (direction == FaultDirection.Upstream)
                {
                    Interlocked.Add(ref proxy.bytesUpstream, sent);
                }
                else
                {
                    Interlocked.Add(ref proxy.bytesDownstream, sent);
                }
            }
        }

        /// <summary>Cuts both sides at once with RST (linger 0), as a dead link or a killed middlebox would.</summary>
        private void Abort()
        {
            if (Interlocked.Exchange(ref aborted, 1) != 0)
            {
                return;
            }

            foreach (var socket in new[] { client, upstream })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Already gone.
                }
            }
        }
    }
}

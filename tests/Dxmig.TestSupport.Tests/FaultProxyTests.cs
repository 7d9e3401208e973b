using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Dxmig.TestSupport.Tests;

public sealed class FaultProxyTests : IAsyncLifetime, IDisposable
{
    private readonly TcpListener echo = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private long echoReceived;
    private Task echoLoop = Task.CompletedTask;

    private int EchoPort => ((IPEndPoint)echo.LocalEndpoint).Port;

    public Task InitializeAsync()
    {
        echo.Start();
        echoLoop = EchoLoopAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        echo.Stop();
        await echoLoop;
    }

    public void Dispose()
    {
        echo.Dispose();
        stop.Dispose();
    }

    [Fact]
    public async Task Proxy_WithoutFaults_PassesBytesUnchangedBothWays()
    {
        await using var proxy = FaultProxy.Start("127.0.0.1", EchoPort, FaultPlan.None);
        var payload = RandomNumberGenerator.GetBytes(300_000);

        var back = await ExchangeAsync(proxy.Port, payload);

        back.Should().Equal(payload);
        proxy.Connections.Should().Be(1);
        proxy.FaultsInjected.Should().Be(0);
        proxy.BytesUpstream.Should().Be(payload.Length);
        proxy.BytesDownstream.Should().Be(payload.Length);
    }

    [Theory]
    [InlineData(FaultDirection.Downstream, 1_000, 50_000, 1_000)]
    [InlineData(FaultDirection.Upstream, 1_000, 1_000, 50_000)]
    public async Task Proxy_DropPlan_CutsTheConnectionAtTheChosenOffset(FaultDirection direction, long offset, long expectedUp, long expectedDown)
    {
        await using var proxy = FaultProxy.Start("127.0.0.1", EchoPort,
            new FaultPlan { DropProbability = 1, DropMinOffset = offset, DropMaxOffset = offset, DropDirection = direction });
        var payload = RandomNumberGenerator.GetBytes(50_000);

        var back = await ExchangeAsync(proxy.Port, payload);

        back.Length.Should().BeLessThanOrEqualTo((int)Math.Min(expectedUp, expectedDown));
        back.Should().Equal(payload.Take(back.Length), "what got through is unchanged");
        proxy.FaultsByKind[ProxyFaultKind.Drop].Should().Be(1);
        if (direction == FaultDirection.Upstream)
        {
            proxy.BytesUpstream.Should().Be(offset);
            await WaitUntilAsync(() => Interlocked.Read(ref echoReceived) == offset);
        }
        else
        {
            proxy.BytesDownstream.Should().Be(offset);
            back.Length.Should().Be((int)offset);
        }
    }

    [Fact]
    public async Task Proxy_MaxDropsAndRuntimePlanChange_CountConnectionsAndFaultsByKind()
    {
        await using var proxy = FaultProxy.Start("127.0.0.1", EchoPort,
            new FaultPlan { DropProbability = 1, DropMinOffset = 10, DropMaxOffset = 100, MaxDrops = 2 });
        var payload = RandomNumberGenerator.GetBytes(4_000);

        var lengths = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            lengths.Add((await ExchangeAsync(proxy.Port, payload)).Length);
        }

        proxy.Faults = new FaultPlan { StallProbability = 1, StallMaxOffset = 0, StallDuration = TimeSpan.FromMilliseconds(200), BytesPerSecond = 40_000 };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var big = RandomNumberGenerator.GetBytes(20_000);
        var slow = await ExchangeAsync(proxy.Port, big);
        watch.Stop();

        lengths.Take(2).Should().AllSatisfy(l => l.Should().BeLessThan(payload.Length));
        lengths.Skip(2).Should().AllSatisfy(l => l.Should().Be(payload.Length), "MaxDrops = 2: later connections pass");
        slow.Should().Equal(big);
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(450), "20,000 bytes at 40,000 B/s take 500 ms (the 200 ms stall overlaps)");
        proxy.Connections.Should().Be(5);
        proxy.FaultsByKind.Should().Equal(new Dictionary<ProxyFaultKind, long> { [ProxyFaultKind.Drop] = 2, [ProxyFaultKind.Stall] = 1, [ProxyFaultKind.SlowLink] = 1 });
    }

    [Fact]
    public async Task Proxy_SamePlanTwice_CutsAtTheSameOffsets()
    {
        var plan = new FaultPlan { Seed = 42, DropProbability = 0.5, DropMinOffset = 100, DropMaxOffset = 3_000, DropDirection = FaultDirection.Downstream };
        var payload = RandomNumberGenerator.GetBytes(4_000);
        var runs = new List<List<int>>();
        for (var run = 0; run < 2; run++)
        {
            await using var proxy = FaultProxy.Start("127.0.0.1", EchoPort, plan);
            var lengths = new List<int>();
            for (var i = 0; i < 8; i++)
            {
                lengths.Add((await ExchangeAsync(proxy.Port, payload)).Length);
            }

            runs.Add(lengths);
        }

        runs[0].Should().Equal(runs[1]);
        runs[0].Should().Contain(l => l < payload.Length).And.Contain(payload.Length);
    }

    /// <summary>Sends the payload and reads until the echo ends or the connection is cut; returns what came back.</summary>
    private static async Task<byte[]> ExchangeAsync(int port, byte[] payload)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var received = new MemoryStream();
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            try
            {
                while (received.Length < payload.Length)
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    received.Write(buffer, 0, read);
                }
            }
            catch (SocketException)
            {
                // Cut by the proxy.
            }
        });
        try
        {
            await socket.SendAsync(payload, SocketFlags.None);
        }
        catch (SocketException)
        {
            // Cut by the proxy.
        }

        (await Task.WhenAny(reader, Task.Delay(10_000))).Should().Be(reader, "the exchange ends: echoed in full or cut");
        return received.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().Should().BeTrue();
    }

    private async Task EchoLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await echo.AcceptSocketAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    var buffer = new byte[8192];
                    try
                    {
                        while (true)
                        {
                            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                            if (read == 0)
                            {
                                return;
                            }

                            Interlocked.Add(ref echoReceived, read);
                            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                        }
                    }
                    catch (SocketException)
                    {
                        // Cut by the proxy.
                    }
                }
            });
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dxmig.Bench;

/// <summary>
/// Watches the emulator's mailboxes fill (every 250 ms) from when it is started: when each got its first message
/// (its work began) and its last (it was done), in seconds.
/// </summary>
internal sealed class MailboxWatch : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, double> startedAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> doneAt = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource watching = new();
    private readonly Task watcher;

    /// <param name="graph">The emulator.</param>
    /// <param name="expected">Each user and the number of messages its mailbox holds when done.</param>
    public MailboxWatch(GraphEmulator.GraphEmulator graph, IReadOnlyDictionary<string, int> expected)
    {
        var clock = Stopwatch.StartNew();
        watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                foreach (var (user, count) in expected.Where(e => !doneAt.ContainsKey(e.Key)))
                {
                    var there = graph.Store.AllMessages(GraphJob.Upn(user)).Count;
                    if (there > 0)
                    {
                        startedAt.TryAdd(user, clock.Elapsed.TotalSeconds);
                    }

                    if (there >= count)
                    {
                        doneAt[user] = clock.Elapsed.TotalSeconds;
                    }
                }

                await Task.Delay(250);
            }
        });
    }

    /// <summary>When each mailbox got its first message (only those that got one).</summary>
    public IReadOnlyDictionary<string, double> StartedAt => startedAt;

    /// <summary>When each mailbox got its last message (only those that were done).</summary>
    public IReadOnlyDictionary<string, double> DoneAt => doneAt;

    public async ValueTask DisposeAsync()
    {
        await watching.CancelAsync();
        await watcher;
        watching.Dispose();
    }
}

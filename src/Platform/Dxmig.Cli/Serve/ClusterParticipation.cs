using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Serve;

/// <summary>
/// The runs this node takes part in, one per job file: a Quartz fire and the <see cref="ClusterJoiner"/> never run the
/// same job twice in one process (a fire that finds the joiner at work on the job waits for it, then runs). Every run
/// it starts stops as soon as the host begins to stop (SIGTERM), whichever hosted service is stopped first: each
/// finishes the batch in hand and gives its accounts back to the other nodes.
/// </summary>
internal sealed class ClusterParticipation(ServeSettings settings, ILogger<ClusterParticipation> logger, IHostApplicationLifetime? lifetime = null)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Task<int>> active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CancellationTokenSource> stops = new(StringComparer.Ordinal);

    /// <summary>Whether this node works on the job now.</summary>
    public bool IsActive(string jobPath)
    {
        lock (gate)
        {
            return active.ContainsKey(jobPath);
        }
    }

    /// <summary>
    /// A fire: runs the job (starting its run or joining the open one; only joining when <paramref name="joinOnly"/>)
    /// once the node's current part in it ends.
    /// </summary>
    public async Task<int> RunAsync(string jobPath, bool joinOnly, CancellationToken stopToken, bool ignoreWindow = false)
    {
        while (true)
        {
            Task<int>? running;
            Task<int>? mine = null;
            lock (gate)
            {
                if (!active.TryGetValue(jobPath, out running))
                {
                    mine = RunTrackedAsync(jobPath, joinOnly, stopToken, ignoreWindow);
                    active[jobPath] = mine;
                }
            }

            if (mine is not null)
            {
                return await mine;
            }

            logger.LogInformation("このノードは既に {Path} の実行に参加しています。その終了を待ちます / this node already takes part in a run of {Path}; waiting for it", jobPath, jobPath);
            try
            {
                await running!;
            }
#pragma warning disable CA1031 // That run's own failure was reported by it; this fire goes on.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>The joiner: takes part in the job's open cluster run unless this node already does; returns at once.</summary>
    public bool TryJoin(string jobPath, CancellationToken stopToken)
    {
        lock (gate)
        {
            if (active.ContainsKey(jobPath))
            {
                return false;
            }

            active[jobPath] = RunTrackedAsync(jobPath, joinOnly: true, stopToken);
            return true;
        }
    }

    /// <summary>Every run this node still takes part in (a stopping node waits for them to hand their accounts back).</summary>
    public Task AllAsync()
    {
        lock (gate)
        {
            return Task.WhenAll(active.Values);
        }
    }

    /// <summary>
    /// An operator's stop (the console): the run of <paramref name="jobPath"/> this node takes part in ends after the
    /// batch in hand, as at a shutdown. False when this node runs no such job now.
    /// </summary>
    public bool Stop(string jobPath)
    {
        lock (gate)
        {
            if (!stops.TryGetValue(jobPath, out var stop))
            {
                return false;
            }

            stop.Cancel();
            return true;
        }
    }

    /// <summary>The job files this node takes part in now.</summary>
    public IReadOnlyList<string> Running()
    {
        lock (gate)
        {
            return [.. active.Keys];
        }
    }

    private async Task<int> RunTrackedAsync(string jobPath, bool joinOnly, CancellationToken stopToken, bool ignoreWindow = false)
    {
        await Task.Yield();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, lifetime?.ApplicationStopping ?? CancellationToken.None);
        lock (gate)
        {
            stops[jobPath] = stop;
        }

        try
        {
            return await settings.Runner.RunAsync(jobPath, joinOnly, ignoreWindow, stop.Token);
        }
        finally
        {
            lock (gate)
            {
                stops.Remove(jobPath);
                active.Remove(jobPath);
            }
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Dxmig.Platform.Pipeline;
using Dxmig.Web.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dxmig.Web.Live;

/// <summary>What the live view shows of one run (this node's runs from their observer, other nodes' from the ledger).</summary>
internal sealed record LiveView(
    string Job, string Node, string? RunId, DateTime StartedUtc, int Accounts, int AccountsDone, long Items, long Bytes,
    double BytesPerSecond, IReadOnlyList<LiveAccount> Progress, string Source, TimeSpan? Remaining = null);

/// <summary>The snapshot every watcher receives.</summary>
internal sealed record LiveSnapshot(DateTime AtUtc, IReadOnlyList<LiveView> Runs);

/// <summary>
/// The live view's one producer: once a second, while anybody watches, it takes a snapshot of the runs in progress
/// (this node's from <see cref="LiveRuns"/>, other nodes' cluster runs from the ledger every few seconds) and hands the
/// same serialized text to every watcher. Twenty people watching cost what one does.
/// </summary>
internal sealed partial class LiveFeed(LiveRuns local, ConsoleData data, WebConsoleSettings settings, ILogger<LiveFeed> logger) : BackgroundService
{
    public const int MaxAccountsShown = 40;
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LedgerEvery = TimeSpan.FromSeconds(3);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly Lock gate = new();
    private TaskCompletionSource<string> next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string latest = Serialize(new LiveSnapshot(DateTime.UtcNow, []));
    private IReadOnlyList<LiveView> remote = [];
    private DateTime remoteAt = DateTime.MinValue;
    private int watchers;

    /// <summary>How many people watch now.</summary>
    public int Watchers => Volatile.Read(ref watchers);

    /// <summary>The current snapshot (computed now when nobody watches).</summary>
    public async Task<LiveSnapshot> CurrentAsync(CancellationToken cancellationToken) =>
        new(settings.Time.GetUtcNow().UtcDateTime, [.. Local(), .. await RemoteAsync(cancellationToken)]);

    /// <summary>Streams snapshots as server-sent events until the client leaves.</summary>
    public async Task StreamAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        Interlocked.Increment(ref watchers);
        try
        {
            string text;
            Task<string> waiting;
            lock (gate)
            {
                text = latest;
                waiting = next.Task;
            }

            while (!http.RequestAborted.IsCancellationRequested)
            {
                await http.Response.WriteAsync("event: progress\ndata: " + text + "\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                text = await waiting.WaitAsync(http.RequestAborted);
                lock (gate)
                {
                    waiting = next.Task;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The person closed the page.
        }
        finally
        {
            Interlocked.Decrement(ref watchers);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, settings.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Watchers == 0)
            {
                continue;
            }

            try
            {
                var text = Serialize(await CurrentAsync(stoppingToken));
                TaskCompletionSource<string> done;
                lock (gate)
                {
                    latest = text;
                    done = next;
                    next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                done.TrySetResult(text);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, Dxmig.Platform.Logging.SecretMasker.Apply(ex.Message));
            }
        }
    }

    private IEnumerable<LiveView> Local() => local.Snapshot().Select(run => new LiveView(
        run.Job, run.Node, run.RunId, run.StartedUtc, run.Accounts, run.AccountsDone,
        run.Progress.Sum(p => p.Items), run.Progress.Sum(p => p.Bytes), run.Progress.Where(p => !p.Finished).Sum(p => p.BytesPerSecond),
        [.. run.Progress.Take(MaxAccountsShown)], "node", RunRemaining(run)));

    /// <summary>
    /// The run's time left from the accounts done so far (elapsed × left ÷ done): what a person can expect even where
    /// the source gives no size in advance (a mailbox is not sized before it is read, to spare a login per account).
    /// </summary>
    private TimeSpan? RunRemaining(LiveRun run)
    {
        if (run.AccountsDone == 0 || run.AccountsDone >= run.Accounts)
        {
            return null;
        }

        var elapsed = settings.Time.GetUtcNow().UtcDateTime - run.StartedUtc;
        return TimeSpan.FromSeconds(elapsed.TotalSeconds * (run.Accounts - run.AccountsDone) / run.AccountsDone);
    }

    /// <summary>Runs of other nodes (cluster runs in a PostgreSQL ledger), read from the ledger at most every few seconds.</summary>
    private async Task<IReadOnlyList<LiveView>> RemoteAsync(CancellationToken cancellationToken)
    {
        var now = settings.Time.GetUtcNow().UtcDateTime;
        if (now - remoteAt < LedgerEvery)
        {
            return remote;
        }

        var views = new List<LiveView>();
        var here = local.Snapshot().Select(r => r.Job).ToHashSet(StringComparer.Ordinal);
        foreach (var job in data.Jobs())
        {
            if (job.File is null || here.Contains(job.Name) || await data.LedgerAsync(job.File, cancellationToken) is not { } ledger)
            {
                continue;
            }

            foreach (var lease in await ledger.LiveLeasesAsync(job.Name, cancellationToken))
            {
                if (ledger.Clustered && await ledger.ClusterRunViewAsync(job.Name, RunSettings.DefaultLeaseTimeout, cancellationToken) is { } cluster)
                {
                    var accounts = cluster.Work.Select(w => new LiveAccount(
                        $"{w.Account}{(w.Node is null ? string.Empty : " @" + w.Node)}", w.Loaded, w.Bytes, null, null, 0, 0, null,
                        w.Outcome is not null, w.Outcome)).OrderBy(a => a.Finished).ToList();
                    views.Add(new LiveView(job.Name, string.Join(", ", cluster.Nodes.Where(n => n.Alive).Select(n => n.Node)), cluster.Run.RunId,
                        cluster.Run.StartedUtc, accounts.Count, accounts.Count(a => a.Finished), accounts.Sum(a => a.Items), accounts.Sum(a => a.Bytes), 0,
                        [.. accounts.Take(MaxAccountsShown)], "ledger"));
                }
                else
                {
                    views.Add(new LiveView(job.Name, lease.Node, lease.RunId, lease.HeartbeatUtc, 0, 0, 0, 0, 0, [], "ledger"));
                }
            }
        }

        remote = views;
        remoteAt = now;
        return views;
    }

    public static string Serialize(LiveSnapshot snapshot) => JsonSerializer.Serialize(snapshot, Json);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ライブ表示の更新に失敗しました / the live view could not be updated: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

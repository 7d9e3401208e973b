using System.Collections.Concurrent;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Web.Live;

/// <summary>One account of a run in progress as the overview shows it.</summary>
public sealed record LiveAccount(
    string Account, long Items, long Bytes, long? EstimateItems, long? EstimateBytes, double BytesPerSecond, double ItemsPerSecond,
    TimeSpan? Remaining, bool Finished, string? Outcome);

/// <summary>A run in progress: its job, node, when it started and its accounts.</summary>
public sealed record LiveRun(string Job, string Node, string? RunId, DateTime StartedUtc, int Accounts, int AccountsDone, IReadOnlyList<LiveAccount> Progress);

/// <summary>
/// Progress of the runs this process hosts, fed by the run's observer (<see cref="Observe"/>): items and bytes per
/// account as they are written, with rate and time remaining from the source's estimate. Cheap to feed (a few
/// interlocked adds per batch); read once a second by the live view, however many people watch.
/// </summary>
public sealed class LiveRuns(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Run> runs = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/> so the run of <paramref name="job"/> is seen live; dispose when the run ends.</summary>
    public Watch Observe(string job, string node, int accounts, IRunObserver inner)
    {
        var run = new Run(job, node, accounts, time.GetUtcNow().UtcDateTime);
        runs[job] = run;
        return new Watch(this, run, inner, time);
    }

    /// <summary>The runs in progress now.</summary>
    public IReadOnlyList<LiveRun> Snapshot()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return [.. runs.Values.OrderBy(r => r.Job, StringComparer.Ordinal).Select(r => r.View(now))];
    }

    /// <summary>Names the ledger's run id once the run has one.</summary>
    public void NameRun(string job, string runId)
    {
        if (runs.TryGetValue(job, out var run))
        {
            run.RunId = runId;
        }
    }

    internal sealed class Account(string name, SourceEstimate? estimate, DateTime started)
    {
        private long items;
        private long bytes;

        public string Name { get; } = name;

        public SourceEstimate? Estimate { get; } = estimate;

        public DateTime Started { get; } = started;

        public DateTime? Finished { get; set; }

        public string? Outcome { get; set; }

        public void Add(int count, long size)
        {
            Interlocked.Add(ref items, count);
            Interlocked.Add(ref bytes, size);
        }

        public LiveAccount View(DateTime now)
        {
            var done = Interlocked.Read(ref items);
            var size = Interlocked.Read(ref bytes);
            var seconds = Math.Max(0.001, ((Finished ?? now) - Started).TotalSeconds);
            var byteRate = size / seconds;
            var itemRate = done / seconds;
            TimeSpan? remaining = null;
            if (Finished is null && Estimate is { } e)
            {
                if (e.Bytes > 0 && byteRate > 0)
                {
                    remaining = TimeSpan.FromSeconds(Math.Max(0, (e.Bytes - size) / byteRate));
                }
                else if (e.Items is > 0 and var total && itemRate > 0)
                {
                    remaining = TimeSpan.FromSeconds(Math.Max(0, (total - done) / itemRate));
                }
            }

            return new LiveAccount(Name, done, size, Estimate?.Items, Estimate is { Bytes: > 0 } b ? b.Bytes : null, byteRate, itemRate, remaining, Finished is not null, Outcome);
        }
    }

    internal sealed class Run(string job, string node, int accounts, DateTime started)
    {
        public ConcurrentDictionary<string, Account> Accounts { get; } = new(StringComparer.Ordinal);

        public string Job { get; } = job;

        public string? RunId { get; set; }

        public LiveRun View(DateTime now)
        {
            var views = Accounts.Values.Select(a => a.View(now)).OrderBy(a => a.Finished).ThenBy(a => a.Account, StringComparer.Ordinal).ToList();
            return new LiveRun(Job, node, RunId, started, accounts, views.Count(v => v.Finished), views);
        }
    }

    /// <summary>The observer of one run: forwards to the run's own display and counts for the live view.</summary>
    public sealed class Watch : IRunObserver, IDisposable
    {
        private readonly LiveRuns owner;
        private readonly Run run;
        private readonly IRunObserver inner;
        private readonly TimeProvider time;

        internal Watch(LiveRuns owner, Run run, IRunObserver inner, TimeProvider time)
        {
            this.owner = owner;
            this.run = run;
            this.inner = inner;
            this.time = time;
        }

        public void AccountStarted(string account, SourceEstimate? estimate)
        {
            run.Accounts[account] = new Account(account, estimate, time.GetUtcNow().UtcDateTime);
            inner.AccountStarted(account, estimate);
        }

        public void ItemsProcessed(string account, int items, long bytes)
        {
            if (run.Accounts.TryGetValue(account, out var progress))
            {
                progress.Add(items, bytes);
            }

            inner.ItemsProcessed(account, items, bytes);
        }

        public void AccountFinished(AccountResult result)
        {
            ArgumentNullException.ThrowIfNull(result);
            if (run.Accounts.TryGetValue(result.Account, out var progress))
            {
                progress.Outcome = RunOutcomeWords.Text(result.Outcome);
                progress.Finished = time.GetUtcNow().UtcDateTime;
            }

            inner.AccountFinished(result);
        }

        public void Dispose() => owner.runs.TryRemove(new KeyValuePair<string, Run>(run.Job, run));
    }
}

using System.Globalization;

namespace Dxmig.Platform.Scheduling;

/// <summary>What one account holds at the source: items (messages, rows), bytes, and containers (folders, files).</summary>
public sealed record PlanAccount(string Account, long Items, long Bytes, int Containers);

/// <summary>
/// How fast one account can be written to the target: bytes per second, requests per second, requests per item (plus
/// one request per container), and where the numbers come from, said in the plan.
/// </summary>
public sealed record TargetRate(string Name, double BytesPerSecond, double RequestsPerSecond, double RequestsPerItem, string Basis)
{
    /// <summary>Exchange Online through Graph, per mailbox: 150 MB per 5 minutes, 10,000 requests per 10 minutes (one message is one request).</summary>
    public static TargetRate Graph { get; } = new(
        "graph", 150d * 1024 * 1024 / 300, 10_000d / 600, 1,
        "Graph の上限 (メールボックスごと): 5 分に 150 MB、10 分に 10,000 要求、同時 4 要求 / Graph limits per mailbox: 150 MB per 5 minutes, 10,000 requests per 10 minutes, 4 concurrent requests");

    /// <summary>The same rate with a lower ceiling (a measured or given throughput): the smaller of the two counts.</summary>
    public TargetRate Capped(double? bytesPerSecond, double? itemsPerSecond, string basis) => this with
    {
        BytesPerSecond = bytesPerSecond is { } b ? Math.Min(BytesPerSecond, b) : BytesPerSecond,
        RequestsPerSecond = itemsPerSecond is { } i ? Math.Min(RequestsPerSecond, i * RequestsPerItem) : RequestsPerSecond,
        Basis = basis,
    };

    /// <summary>Fixed time of one run, paid once before any account (start, job file, ledger, first logins).</summary>
    public TimeSpan PerRun { get; init; }

    /// <summary>Fixed time of every account (login, listing, its checkpoints), paid in the account's lane.</summary>
    public TimeSpan PerAccount { get; init; }

    /// <summary>Fixed time of every container of an account (folder, export file, batch).</summary>
    public TimeSpan PerContainer { get; init; }

    /// <summary>
    /// The window of a sliding-window byte budget (Graph: 300 s): a budget of rate × window is admitted at once and the
    /// next one a window later, so B bytes need (⌈B / budget⌉ − 1) windows; zero: a plain rate.
    /// </summary>
    public TimeSpan BytesWindow { get; init; }

    /// <summary>The window of a sliding-window request budget (Graph: 600 s); zero: a plain rate.</summary>
    public TimeSpan RequestsWindow { get; init; }

    /// <summary>Items per second (requests per second over requests per item).</summary>
    public double ItemsPerSecond => RequestsPerSecond / RequestsPerItem;

    /// <summary>
    /// Time to write the account at this rate: its fixed costs plus the slower of its bytes and its requests (in whole
    /// budget windows where the rate is a sliding-window budget).
    /// </summary>
    public TimeSpan TimeFor(PlanAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var byBytes = Budgeted(account.Bytes, BytesPerSecond, BytesWindow);
        var byRequests = Budgeted((account.Items * RequestsPerItem) + account.Containers, RequestsPerSecond, RequestsWindow);
        var fixedCost = PerAccount.TotalSeconds + (account.Containers * PerContainer.TotalSeconds);
        return TimeSpan.FromSeconds(fixedCost + Math.Max(byBytes, byRequests));
    }

    private static double Budgeted(double amount, double perSecond, TimeSpan window)
    {
        if (window <= TimeSpan.Zero || !double.IsFinite(perSecond))
        {
            return amount / perSecond;
        }

        var budget = perSecond * window.TotalSeconds;
        return Math.Max(0, Math.Ceiling(amount / budget) - 1) * window.TotalSeconds;
    }
}

/// <summary>
/// What one node (one <c>dxmig</c> process with the job's parallelism) can move whatever the per-account limits allow:
/// bytes per second of source data, and where the figure comes from, said in the plan.
/// </summary>
public sealed record NodeCapacity(double BytesPerSecond, string Basis)
{
    /// <summary>
    /// dxmig's CPU seconds per GB of source moved with one node, all of the run counted (start, claims, heartbeats):
    /// <c>bench/cluster.sh</c> (24 mailboxes × 200 messages, IMAP → the Graph emulator at scale 0.1, parallelism 8),
    /// 2026-12-06, the higher of two runs (29 and 33); see the README's "cluster capacity".
    /// </summary>
    public const double MeasuredCpuSecondsPerGigabyte = 33;

    /// <summary>The cores of the node the figure is for (the benchmark machine's).</summary>
    public const int MeasuredCores = 2;

    /// <summary>MB/s one node moves at most when its CPU is the limit: its cores' CPU seconds per second over <see cref="MeasuredCpuSecondsPerGigabyte"/>.</summary>
    public const double MeasuredMegabytesPerSecond = MeasuredCores * 1024 / MeasuredCpuSecondsPerGigabyte;

    /// <summary>The measured figure (<see cref="MeasuredMegabytesPerSecond"/>, about 62 MB/s) with its source.</summary>
    public static NodeCapacity Measured { get; } = new(
        MeasuredMegabytesPerSecond * 1024 * 1024,
        string.Create(CultureInfo.InvariantCulture,
            $"1 ノードは {MeasuredCores} コアで最大 {MeasuredMegabytesPerSecond:0} MB/s (bench/cluster.sh, 2026-12-06 計測: {MeasuredCpuSecondsPerGigabyte} CPU 秒/GB) / " +
            $"one node moves at most {MeasuredMegabytesPerSecond:0} MB/s on {MeasuredCores} cores: bench/cluster.sh, 2026-12-06 ({MeasuredCpuSecondsPerGigabyte} CPU s per GB)"));
}

/// <summary>One account's estimate: its time at the target's rate, and how many of the job's windows it needs alone.</summary>
public sealed record AccountEstimate(PlanAccount Account, TimeSpan Duration, int WindowsAlone, bool FitsOneWindow);

/// <summary>How many nodes run the job, each with <c>parallelism</c> accounts at once and at most <c>Capacity</c> (null: no limit).</summary>
public readonly record struct NodeCount(int Nodes, int Parallelism, NodeCapacity? Capacity);

/// <summary>One window of the plan.</summary>
public readonly record struct PlanWindow(DateTimeOffset Opens, DateTimeOffset Closes)
{
    public TimeSpan Length => Closes - Opens;
}

/// <summary>The job's estimate: every account, the work time with the job's parallelism, and the windows it takes.</summary>
/// <param name="Accounts">Every account, in the job's order.</param>
/// <param name="Work">Elapsed work time with <c>parallelism</c> accounts at once (accounts taken in order as lanes free up).</param>
/// <param name="Windows">Windows needed (null: more than the plan looks ahead, or the job never opens).</param>
/// <param name="OneWindow">The next full window, whose length decides "fits one window" (null: always open).</param>
/// <param name="Finish">When the last account is expected to finish (null when <paramref name="Windows"/> is null).</param>
public sealed record PlanEstimate(IReadOnlyList<AccountEstimate> Accounts, TimeSpan Work, int? Windows, PlanWindow? OneWindow, DateTimeOffset? Finish);

/// <summary>How many nodes a job needs to finish in a number of windows: the larger of what its account slots and its bytes demand.</summary>
/// <param name="Windows">The windows the work must fit in.</param>
/// <param name="Nodes">Nodes needed; null when no number of nodes is enough (see <paramref name="Longest"/>) or the job has no windows.</param>
/// <param name="BySlots">Nodes whose parallelism gives enough accounts at once for the work to fit the windows at the per-account rate; null: none.</param>
/// <param name="ByCapacity">Nodes whose capacity moves every byte within the windows' time.</param>
/// <param name="Available">The time of the first <paramref name="Windows"/> windows (the one open now counted from now).</param>
/// <param name="BytesPerSecond">What the bytes demand over that time, all nodes together.</param>
/// <param name="Longest">The account that takes longest alone, when it alone does not fit the windows (no node count helps).</param>
public sealed record NodeEstimate(int Windows, int? Nodes, int? BySlots, int ByCapacity, TimeSpan Available, double BytesPerSecond, AccountEstimate? Longest);

/// <summary>
/// Estimates how many run windows a job needs: each account takes the time its bytes and requests take at the
/// target's per-account rate; <c>parallelism</c> accounts run at once, each lane taking the next account when it is
/// free; at a window's end every lane stops and resumes in the next window (the runner checkpoints and resumes), so the
/// work time is laid over the job's windows in order.
/// </summary>
public static class MigrationPlanner
{
    /// <summary>How many windows the plan looks ahead.</summary>
    public const int MaxWindows = 1000;

    /// <summary>The estimate for one process (no node's capacity applied).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parallelism"/> is below 1.</exception>
    public static PlanEstimate Estimate(IReadOnlyList<PlanAccount> accounts, TargetRate rate, int parallelism, RunWindow window, DateTimeOffset now) =>
        Estimate(accounts, rate, new NodeCount(1, parallelism, null), window, now);

    /// <summary>
    /// The estimate for <see cref="NodeCount.Nodes"/> nodes of <see cref="NodeCount.Parallelism"/> each: nodes ×
    /// parallelism lanes, and the work time no shorter than the bytes take at the nodes' capacity together.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The nodes or the parallelism are below 1.</exception>
    public static PlanEstimate Estimate(IReadOnlyList<PlanAccount> accounts, TargetRate rate, NodeCount nodes, RunWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(rate);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes.Nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes.Parallelism, 1);

        var durations = accounts.Select(rate.TimeFor).ToList();
        var work = Wall(accounts, durations, rate, nodes);

        if (window.Always)
        {
            return new PlanEstimate(
                [.. accounts.Select((a, i) => new AccountEstimate(a, durations[i], durations[i] > TimeSpan.Zero ? 1 : 0, true))],
                work, work > TimeSpan.Zero ? 1 : 0, null, now + work);
        }

        var windows = Windows(window, now);
        var full = windows.FirstOrDefault(w => w.Opens > now);
        PlanWindow? one = windows.Count == 0 ? null : full == default ? windows[0] : full;
        var (count, finish) = Lay(windows, work);
        var estimates = accounts.Select((a, i) =>
        {
            var alone = Lay(windows, durations[i]).Windows;
            return new AccountEstimate(a, durations[i], alone ?? -1, one is { } w && durations[i] <= w.Length);
        }).ToList();
        return new PlanEstimate(estimates, work, count, one, finish);
    }

    /// <summary>
    /// The run's wall time when it starts at a window's opening and no window ends: the run's fixed cost, then the
    /// accounts laid over nodes × parallelism lanes in the job's order (each lane taking the next account when it is
    /// free, as the runner and the cluster's claims do), no shorter than every byte at the nodes' capacity together.
    /// Zero when there is nothing to move.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The nodes or the parallelism are below 1.</exception>
    public static TimeSpan Wall(IReadOnlyList<PlanAccount> accounts, IReadOnlyList<TimeSpan> durations, TargetRate rate, NodeCount nodes)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentNullException.ThrowIfNull(rate);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes.Nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes.Parallelism, 1);
        if (accounts.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var work = Lanes(durations, nodes.Nodes * nodes.Parallelism);
        if (nodes.Capacity is { } capacity)
        {
            var byCapacity = TimeSpan.FromSeconds(accounts.Sum(a => (double)a.Bytes) / (capacity.BytesPerSecond * nodes.Nodes));
            work = byCapacity > work ? byCapacity : work;
        }

        return rate.PerRun + work;
    }

    /// <summary>
    /// How many nodes of <paramref name="parallelism"/> each, moving at most <paramref name="capacity"/> each, finish the
    /// accounts within the first <paramref name="windows"/> windows: the fewest nodes whose lanes (laid as in
    /// <see cref="Estimate(IReadOnlyList{PlanAccount}, TargetRate, int, RunWindow, DateTimeOffset)"/>) fit the windows,
    /// or the fewest whose capacity together moves every byte in the windows' time, whichever is larger.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parallelism"/> or <paramref name="windows"/> is below 1.</exception>
    public static NodeEstimate Nodes(
        IReadOnlyList<PlanAccount> accounts, TargetRate rate, int parallelism, NodeCapacity capacity, int windows, RunWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(rate);
        ArgumentNullException.ThrowIfNull(capacity);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);

        var open = window.Always ? [] : Windows(window, now).Take(windows).ToList();
        if (open.Count < windows)
        {
            // Always open (no window to count) or fewer windows than asked for: no node count follows.
            return new NodeEstimate(windows, null, null, 1, TimeSpan.Zero, 0, null);
        }

        var available = open.Aggregate(TimeSpan.Zero, (sum, w) => sum + w.Length);
        var bytesPerSecond = accounts.Sum(a => (double)a.Bytes) / available.TotalSeconds;
        var byCapacity = Math.Max(1, (int)Math.Ceiling(bytesPerSecond / capacity.BytesPerSecond));
        var durations = accounts.Select(rate.TimeFor).ToList();
        var longest = durations.Count == 0 ? TimeSpan.Zero : durations.Max();
        if (longest > TimeSpan.Zero && Lay(open, longest + rate.PerRun).Windows is null)
        {
            var index = durations.IndexOf(longest);
            return new NodeEstimate(windows, null, null, byCapacity, available, bytesPerSecond, new AccountEstimate(accounts[index], longest, -1, false));
        }

        // More nodes than it takes to give every account its own lane add nothing; that many always fit (checked above).
        var most = Math.Max(1, (int)Math.Ceiling(accounts.Count / (double)parallelism));
        var bySlots = Enumerable.Range(1, most).First(n => Lay(open, rate.PerRun + Lanes(durations, n * parallelism)).Windows is not null);
        return new NodeEstimate(windows, Math.Max(bySlots, byCapacity), bySlots, byCapacity, available, bytesPerSecond, null);
    }

    /// <summary>The job's windows from <paramref name="now"/> on (the one open now first, cut at now).</summary>
    public static IReadOnlyList<PlanWindow> Windows(RunWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        var result = new List<PlanWindow>();
        var at = now;
        while (result.Count < MaxWindows && window.NextOpen(at) is { } opens && window.ClosesAt(opens) is { } closes)
        {
            result.Add(new PlanWindow(opens, closes));
            at = closes;
        }

        return result;
    }

    /// <summary>Elapsed time with <paramref name="lanes"/> accounts at once, each lane taking the next account (in order) when it is free.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lanes"/> is below 1.</exception>
    public static TimeSpan Lanes(IEnumerable<TimeSpan> durations, int lanes)
    {
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        var ends = new TimeSpan[lanes];
        foreach (var duration in durations)
        {
            var lane = Array.IndexOf(ends, ends.Min());
            ends[lane] += duration;
        }

        return ends.Max();
    }

    /// <summary>How many windows from the first cover <paramref name="work"/>, and when the work ends; null when they do not.</summary>
    private static (int? Windows, DateTimeOffset? Finish) Lay(IReadOnlyList<PlanWindow> windows, TimeSpan work)
    {
        if (work <= TimeSpan.Zero)
        {
            return (0, windows.Count > 0 ? windows[0].Opens : null);
        }

        var left = work;
        for (var i = 0; i < windows.Count; i++)
        {
            if (left <= windows[i].Length)
            {
                return (i + 1, windows[i].Opens + left);
            }

            left -= windows[i].Length;
        }

        return (null, null);
    }
}

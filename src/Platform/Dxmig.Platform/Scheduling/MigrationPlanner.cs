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

    /// <summary>Time to write the account at this rate: the slower of its bytes and its requests.</summary>
    public TimeSpan TimeFor(PlanAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var byBytes = account.Bytes / BytesPerSecond;
        var byRequests = ((account.Items * RequestsPerItem) + account.Containers) / RequestsPerSecond;
        return TimeSpan.FromSeconds(Math.Max(byBytes, byRequests));
    }
}

/// <summary>One account's estimate: its time at the target's rate, and how many of the job's windows it needs alone.</summary>
public sealed record AccountEstimate(PlanAccount Account, TimeSpan Duration, int WindowsAlone, bool FitsOneWindow);

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

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parallelism"/> is below 1.</exception>
    public static PlanEstimate Estimate(IReadOnlyList<PlanAccount> accounts, TargetRate rate, int parallelism, RunWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(rate);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);

        var durations = accounts.Select(rate.TimeFor).ToList();
        var lanes = new TimeSpan[parallelism];
        foreach (var duration in durations)
        {
            var lane = Array.IndexOf(lanes, lanes.Min());
            lanes[lane] += duration;
        }

        var work = lanes.Max();
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

using System.Collections.Concurrent;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;
using Spectre.Console;

namespace Dxmig.Cli.Console;

/// <summary>
/// Progress bars on a terminal: one for the whole run (accounts done), one per account being read (bytes, speed,
/// time left). Finished accounts leave the screen; their accounting is printed at the end.
/// </summary>
internal sealed class LiveRunObserver(ProgressContext context, int accountCount) : IRunObserver
{
    private readonly ConcurrentDictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
    private readonly ProgressTask total = context.AddTask("全体 / all accounts", maxValue: Math.Max(1, accountCount));
    private long items;

    public void AccountStarted(string account, SourceEstimate? estimate)
    {
        var task = context.AddTask(Markup.Escape(account), maxValue: Math.Max(1, estimate?.Bytes ?? 1));
        if (estimate is null)
        {
            task.IsIndeterminate = true;
        }

        tasks[account] = task;
    }

    public void ItemsProcessed(string account, int count, long bytes)
    {
        var all = Interlocked.Add(ref items, count);
        total.Description = $"全体 / all accounts — {Units.Count(all)} 件 items";
        if (tasks.TryGetValue(account, out var task))
        {
            task.Increment(bytes);
        }
    }

    public void AccountFinished(AccountResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (tasks.TryRemove(result.Account, out var task))
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }

        total.Increment(1);
    }
}

using System.Diagnostics;
using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Console;

/// <summary>
/// Progress as plain lines, for logs and pipes (not a terminal): one line when an account starts and ends, and an
/// overall line at most every <see cref="Interval"/> with counts, bytes and an ETA.
/// </summary>
internal sealed class PlainRunObserver(CliIo io, int accountCount) : IRunObserver
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly Lock gate = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long items;
    private long bytes;
    private long expectedBytes;
    private int finished;
    private TimeSpan lastReport;

    public void AccountStarted(string account, SourceEstimate? estimate)
    {
        lock (gate)
        {
            expectedBytes += estimate?.Bytes ?? 0;
            io.Line($"開始 / start: {account}" + (estimate is null ? string.Empty : $" ({Units.Bytes(estimate.Bytes)})"));
        }
    }

    public void ItemsProcessed(string account, int count, long size)
    {
        lock (gate)
        {
            items += count;
            bytes += size;
            if (clock.Elapsed - lastReport >= Interval)
            {
                lastReport = clock.Elapsed;
                io.Line(Line());
            }
        }
    }

    public void AccountFinished(AccountResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (gate)
        {
            finished++;
            io.Line(
                $"終了 / done: {result.Account} ({RunSummaryPrinter.Outcome(result.Outcome).Text}) {result.Accounting()}" +
                (result.Message is null ? string.Empty : $" — {RunSummaryPrinter.OneLine(result.Message)}"));
        }
    }

    private string Line()
    {
        var eta = string.Empty;
        if (expectedBytes > 0 && bytes > 0 && bytes < expectedBytes)
        {
            var rate = bytes / clock.Elapsed.TotalSeconds;
            eta = $", 残り約 / ETA {Units.Duration(TimeSpan.FromSeconds((expectedBytes - bytes) / rate))}";
        }

        return $"進捗 / progress: アカウント accounts {finished}/{accountCount}, {Units.Count(items)} 件 items, {Units.Bytes(bytes)}" +
               (expectedBytes > 0 ? $" / {Units.Bytes(expectedBytes)}" : string.Empty) + eta;
    }
}

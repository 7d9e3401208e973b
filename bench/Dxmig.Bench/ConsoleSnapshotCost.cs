using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dxmig.Platform.Pipeline;
using Dxmig.Web.Live;

namespace Dxmig.Bench;

/// <summary>
/// The cost of one live-view tick measured alone: the snapshot of a run with ACCOUNTS accounts in progress
/// (<see cref="LiveRuns.Snapshot"/>) serialized to JSON as the live view does (web defaults, nulls left out), the same
/// work <c>LiveFeed</c> does once a second however many people watch; the per-watcher part is one write of that text.
/// </summary>
internal static class ConsoleSnapshotCost
{
    public static int Run(int accounts, int repeats)
    {
        var live = new LiveRuns(TimeProvider.System);
        using var watch = live.Observe("mail-imap-to-imap", "bench", accounts, NullRunObserver.Instance);
        for (var i = 0; i < accounts; i++)
        {
            watch.AccountStarted($"user{i:000}", new Contracts.SourceEstimate(15_000, 70_000_000));
            watch.ItemsProcessed($"user{i:000}", 7_000 + i, 33_000_000);
        }

        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        var length = 0;
        for (var i = 0; i < 200; i++)
        {
            length = JsonSerializer.Serialize(new { atUtc = DateTime.UtcNow, runs = live.Snapshot() }, json).Length;
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < repeats; i++)
        {
            length = JsonSerializer.Serialize(new { atUtc = DateTime.UtcNow, runs = live.Snapshot() }, json).Length;
        }

        var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / repeats;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one live-view snapshot of a run with {accounts} accounts, serialized ({length:N0} bytes): {clock.Elapsed.TotalMicroseconds / repeats:0.0} µs wall, {cpuUs:0.0} µs CPU ({repeats:N0} repeats); once a second that is {cpuUs / 10_000:0.000} % of one core"));
        return 0;
    }
}

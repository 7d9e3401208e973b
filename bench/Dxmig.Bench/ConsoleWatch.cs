using System.Globalization;
using System.Text.Json;

namespace Dxmig.Bench;

/// <summary>
/// The watching side of <see cref="ConsoleBench"/>, in its own process: COUNT viewers (watcher01 …) sign in through the
/// sign-in form, each holds GET /live open and reads every server-sent event, counting the events, those that show a
/// run, and the run's item count (first, last, how often it grew). Prints READY once every client has its first event,
/// then on a line (or the end) of standard input prints one CLIENT line per client and leaves.
/// </summary>
internal static class ConsoleWatch
{
    public static async Task<int> RunAsync(Uri address, int count)
    {
        using var stop = new CancellationTokenSource();
        var clients = new List<HttpClient>();
        for (var i = 1; i <= count; i++)
        {
            clients.Add(await ConsoleBench.SignedInAsync(address, $"watcher{i:00}"));
        }

        var counts = Enumerable.Range(1, count).Select(i => new Counter(i)).ToArray();
        var firsts = counts.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var reading = clients.Select((client, i) => ReadAsync(client, counts[i], firsts[i], stop.Token)).ToList();
        await Task.WhenAll(firsts.Select(f => f.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine("READY " + count.ToString(CultureInfo.InvariantCulture));
        await Console.In.ReadLineAsync();
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(reading);
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }

        foreach (var c in counts)
        {
            Console.WriteLine(new ClientCount(c.Client, c.Events, c.RunEvents, c.FirstItems ?? 0, c.LastItems, c.Increases).ToString());
        }

        clients.ForEach(c => c.Dispose());
        return 0;
    }

    private static async Task ReadAsync(HttpClient client, Counter counter, TaskCompletionSource first, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync("/live", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                counter.Events++;
                using var json = JsonDocument.Parse(line.AsMemory(6));
                var runs = json.RootElement.GetProperty("runs");
                if (runs.GetArrayLength() > 0)
                {
                    long items = 0;
                    foreach (var run in runs.EnumerateArray())
                    {
                        items += run.GetProperty("items").GetInt64();
                    }

                    counter.RunEvents++;
                    counter.FirstItems ??= items;
                    if (items > counter.LastItems)
                    {
                        counter.Increases++;
                    }

                    counter.LastItems = Math.Max(counter.LastItems, items);
                }

                first.TrySetResult();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The bench is done with this run.
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            first.TrySetException(ex);
            await Console.Error.WriteLineAsync($"client {counter.Client}: {ex.Message}");
        }
    }

    private sealed class Counter(int client)
    {
        public int Client { get; } = client;

        public int Events { get; set; }

        public int RunEvents { get; set; }

        public long? FirstItems { get; set; }

        public long LastItems { get; set; }

        public int Increases { get; set; }
    }
}

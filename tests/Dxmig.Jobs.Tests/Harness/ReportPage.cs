using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace Dxmig.Jobs.Tests.Harness;

/// <summary>
/// A report page open in real headless Chromium, driven over the DevTools protocol on loopback: a viewport of a given
/// width, print media emulated when asked, and JavaScript evaluated in the page to measure what a person sees (widths,
/// what is displayed, the text of the body).
/// </summary>
public sealed partial class ReportPage : IAsyncDisposable
{
    private readonly Process process;
    private readonly Dxmig.TestSupport.TempFolder profile;
    private readonly ClientWebSocket socket = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonObject>> waiting = [];
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private Task? reader;
    private string session = string.Empty;
    private int next;

    private ReportPage(Process process, Dxmig.TestSupport.TempFolder profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>Opens <paramref name="htmlFile"/> at <paramref name="width"/> CSS pixels, as a screen or (print) as paper; waits for the page's script.</summary>
    public static async Task<ReportPage> OpenAsync(string htmlFile, int width = 1400, bool print = false, string fragment = "")
    {
        var profile = new Dxmig.TestSupport.TempFolder("dxmig-chromium");
        var info = new ProcessStartInfo(ReportBrowser.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.Path,
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
                 })
        {
            info.ArgumentList.Add(argument);
        }

        var page = new ReportPage(Process.Start(info)!, profile);
        try
        {
            await page.ConnectAsync();
            await page.LoadAsync(new Uri(htmlFile).AbsoluteUri + fragment, width, print);
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value (JSON).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var answer = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, session);
        answer["exceptionDetails"].Should().BeNull($"the expression must run: {expression}: {answer.ToJsonString()}");
        return answer["result"]?["value"]?.DeepClone();
    }

    public async Task<string> TextAsync(string expression) => (await EvaluateAsync(expression))?.GetValue<string>() ?? string.Empty;

    public async Task<double> NumberAsync(string expression) => (await EvaluateAsync(expression))!.GetValue<double>();

    /// <summary>Words that look like an internal name in brackets or parentheses, such as [CompletedWithQuarantine] or (StartTls).</summary>
    public static IReadOnlyList<string> EnumNames(string text) =>
        [.. EnumName().Matches(text).Select(m => m.Value).Where(m => !m.Contains("PostgreSQL", StringComparison.Ordinal)).Distinct()];

    [GeneratedRegex(@"[\[(]\s*[A-Z][a-z]+[A-Z]\w*\s*[\])]")]
    private static partial Regex EnumName();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // It ended on its own.
        }

        if (reader is not null)
        {
            try
            {
                await reader;
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // The browser is gone.
            }
        }

        socket.Dispose();
        process.Dispose();
        profile.Dispose();
        stop.Dispose();
    }

    private async Task ConnectAsync()
    {
        // Chromium says where its DevTools listen on standard error: "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID".
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? url = null;
        while (url is null)
        {
            var line = await process.StandardError.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("chromium ended before it listened");
            var at = line.IndexOf("ws://", StringComparison.Ordinal);
            if (line.Contains("DevTools listening", StringComparison.Ordinal) && at >= 0)
            {
                url = line[at..].Trim();
            }
        }

        _ = process.StandardError.ReadToEndAsync(stop.Token);
        _ = process.StandardOutput.ReadToEndAsync(stop.Token);
        await socket.ConnectAsync(new Uri(url), timeout.Token);
        reader = Task.Run(ReadAsync);
    }

    private async Task LoadAsync(string url, int width, bool print)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true });
        session = attached["sessionId"]!.GetValue<string>();
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = 1000, ["deviceScaleFactor"] = 1, ["mobile"] = false }, session);
        if (print)
        {
            await SendAsync("Emulation.setEmulatedMedia", new JsonObject { ["media"] = "print" }, session);
        }

        await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, session);
        var until = DateTime.UtcNow.AddSeconds(60);
        while ((await EvaluateAsync("document.body ? document.body.getAttribute('data-ready') : null"))?.GetValue<string>() != "1")
        {
            DateTime.UtcNow.Should().BeBefore(until, "the page's script must draw the tables");
            await Task.Delay(100);
        }

        (await EvaluateAsync("!!document.getElementById('script-error')"))!.GetValue<bool>().Should().BeFalse("the page must throw no script error");
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject parameters, string? sessionId = null)
    {
        var id = Interlocked.Increment(ref next);
        var done = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiting[id] = done;
        }

        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, stop.Token);
        var answer = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        answer["error"].Should().BeNull($"{method} must succeed: {answer.ToJsonString()}");
        return answer["result"]?.AsObject() ?? [];
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        using var text = new MemoryStream();
        while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
        {
            var part = await socket.ReceiveAsync(buffer, stop.Token);
            if (part.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            text.Write(buffer, 0, part.Count);
            if (!part.EndOfMessage)
            {
                continue;
            }

            var message = JsonNode.Parse(text.ToArray())!.AsObject();
            text.SetLength(0);
            if (message["id"] is { } id)
            {
                TaskCompletionSource<JsonObject>? done;
                lock (gate)
                {
                    waiting.Remove(id.GetValue<int>(), out done);
                }

                done?.TrySetResult(message);
            }
        }
    }
}

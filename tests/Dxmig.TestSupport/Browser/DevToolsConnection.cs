using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Dxmig.TestSupport.Browser;

/// <summary>
/// One WebSocket to Chromium's DevTools endpoint on loopback: commands answered by id, and events handed to the page
/// that owns their session (flattened target sessions, so every page shares this one socket).
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> waiting = new();
    private readonly ConcurrentDictionary<string, Action<string, JsonObject>> sessions = new();
    private readonly SemaphoreSlim sending = new(1, 1);
    private readonly CancellationTokenSource stop = new();
    private Task reader = Task.CompletedTask;
    private int next;
    private volatile string? closedReason;

    private DevToolsConnection()
    {
    }

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var connection = new DevToolsConnection();
        try
        {
            // Loopback to a process the test owns: no keep-alive pings (a busy renderer must not be taken for a dead peer).
            connection.socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await connection.socket.ConnectAsync(endpoint, cancellationToken);
            connection.reader = Task.Run(connection.ReadAsync, CancellationToken.None);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Subscribe(string sessionId, Action<string, JsonObject> handler) => sessions[sessionId] = handler;

    public void Unsubscribe(string sessionId) => sessions.TryRemove(sessionId, out _);

    /// <summary>Sends a command and returns its result; a protocol error becomes <see cref="BrowserProtocolException"/>.</summary>
    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters, string? sessionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (closedReason is { } reason)
        {
            throw new BrowserProtocolException($"{method}: ブラウザーとの接続が切れています / the browser connection is closed ({reason})");
        }

        var id = Interlocked.Increment(ref next);
        var done = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting[id] = done;
        try
        {
            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
            if (sessionId is not null)
            {
                message["sessionId"] = sessionId;
            }

            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await sending.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
            }
            finally
            {
                sending.Release();
            }

            JsonObject answer;
            try
            {
                answer = await done.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{method}: ブラウザーが {timeout.TotalSeconds:0} 秒以内に答えません / the browser did not answer within {timeout.TotalSeconds:0} s");
            }

            if (answer["error"] is JsonObject error)
            {
                throw new BrowserProtocolException($"{method}: {error["message"]?.GetValue<string>()} {error["data"]?.ToJsonString()}".TrimEnd());
            }

            return answer["result"] as JsonObject ?? [];
        }
        finally
        {
            waiting.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        closedReason ??= "disposed";
        await stop.CancelAsync();
        socket.Abort();
        try
        {
            await reader;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The browser is gone.
        }

        FailAll();
        socket.Dispose();
        sending.Dispose();
        stop.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        using var text = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var part = await socket.ReceiveAsync(buffer, stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                text.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                var message = JsonNode.Parse(text.GetBuffer().AsSpan(0, (int)text.Length))?.AsObject();
                text.SetLength(0);
                if (message is not null)
                {
                    Dispatch(message);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            closedReason ??= ex.Message;
        }
        finally
        {
            closedReason ??= "closed by the browser";
            FailAll();
        }
    }

    private void Dispatch(JsonObject message)
    {
        if (message["id"] is { } id)
        {
            if (waiting.TryGetValue(id.GetValue<int>(), out var done))
            {
                done.TrySetResult(message);
            }

            return;
        }

        if (message["method"]?.GetValue<string>() is { } method && message["sessionId"]?.GetValue<string>() is { } sessionId
            && sessions.TryGetValue(sessionId, out var handler))
        {
            handler(method, message["params"] as JsonObject ?? []);
        }
    }

    private void FailAll()
    {
        foreach (var (_, done) in waiting)
        {
            done.TrySetException(new BrowserProtocolException($"ブラウザーとの接続が切れました / the browser connection closed ({closedReason})"));
        }
    }
}

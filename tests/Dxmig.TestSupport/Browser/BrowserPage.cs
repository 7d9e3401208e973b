using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dxmig.TestSupport.Browser;

/// <summary>
/// One tab of a <see cref="ChromiumBrowser"/> in its own browser context (its own cookies and storage). It navigates and
/// waits for the load event, finds elements by CSS selector (waiting for them, as a person waits for a page to draw),
/// clicks with the mouse at the element's centre, types through the keyboard's text input, evaluates JavaScript, reads
/// cookies with their flags, screenshots the whole page, and records every error the page shows
/// (<see cref="Problems"/>: console errors, uncaught exceptions, CSP violations, failed resources) for the test to
/// assert empty. <see cref="LastResponse"/> is the HTTP response of the last navigation, so a 401 or 403 page is seen.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private const string CspBinding = "__dxmigCspViolation";

    // Reports each securitypolicyviolation to the test (the event is the page's own account of a blocked resource).
    private const string CspListener =
        "addEventListener('securitypolicyviolation', e => { try { globalThis." + CspBinding + "(JSON.stringify({ directive: e.violatedDirective, blocked: e.blockedURI, "
        + "disposition: e.disposition, source: e.sourceFile, line: e.lineNumber })); } catch (x) { } }, true);";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly ChromiumBrowser browser;
    private readonly Lock gate = new();
    private readonly List<BrowserProblem> problems = [];
    private readonly Dictionary<string, BrowserResponse> responses = new(StringComparer.Ordinal);
    private string targetId = string.Empty;
    private string contextId = string.Empty;
    private string sessionId = string.Empty;
    private string mainFrame = string.Empty;
    private string url = "about:blank";
    private BrowserResponse? lastResponse;
    private readonly Queue<string> loads = new();
    private readonly Queue<string> documents = new();
    private readonly List<string> dialogs = [];
    private Navigation? navigation;
    private int disposed;

    private BrowserPage(ChromiumBrowser browser, BrowserViewport viewport)
    {
        this.browser = browser;
        Viewport = viewport;
    }

    public BrowserViewport Viewport { get; private set; }

    /// <summary>The page's address now (after redirects and in-page navigations).</summary>
    public Uri Url
    {
        get
        {
            lock (gate)
            {
                return new Uri(url);
            }
        }
    }

    /// <summary>The response that became the current document (null before the first navigation over HTTP).</summary>
    public BrowserResponse? LastResponse
    {
        get
        {
            lock (gate)
            {
                return lastResponse;
            }
        }
    }

    /// <summary>Every error seen in this page since it opened (or since <see cref="ClearProblems"/>), in order. The page's own
    /// error status (a 403 page) is not one: that is <see cref="LastResponse"/>; a script or style that fails to load is.</summary>
    public IReadOnlyList<BrowserProblem> Problems
    {
        get
        {
            lock (gate)
            {
                return [.. problems];
            }
        }
    }

    /// <summary>How an <c>alert</c>, <c>confirm</c> or <c>prompt</c> of the page is answered: true presses OK (the default),
    /// false Cancel. A dialog is answered at once, so it never blocks the page; its text is kept in <see cref="Dialogs"/>.</summary>
    public bool AcceptDialogs { get; set; } = true;

    /// <summary>The text a <c>prompt</c> is answered with when <see cref="AcceptDialogs"/> is true.</summary>
    public string PromptText { get; set; } = string.Empty;

    /// <summary>Every dialog the page opened, in order ("confirm: 削除しますか?").</summary>
    public IReadOnlyList<string> Dialogs
    {
        get
        {
            lock (gate)
            {
                return [.. dialogs];
            }
        }
    }

    private TimeSpan Timeout => browser.Options.Timeout;

    public void ClearProblems()
    {
        lock (gate)
        {
            problems.Clear();
        }
    }

    /// <summary>Opens <paramref name="address"/> and waits for its load event; returns the response that became the page
    /// (after redirects). An HTTP error status (401, 403, 500) is returned, not thrown.</summary>
    /// <exception cref="BrowserNavigationException">No page was reached (a refused certificate, a closed port, ...).</exception>
    /// <exception cref="TimeoutException">The page did not finish loading within the timeout.</exception>
    public async Task<BrowserResponse?> GotoAsync(Uri address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var waiter = Arm();
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = address.AbsoluteUri }, cancellationToken);
        var error = result["errorText"]?.GetValue<string>();
        var loader = result["loaderId"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(error) && error != "net::ERR_HTTP_RESPONSE_CODE_FAILURE")
        {
            // ERR_HTTP_RESPONSE_CODE_FAILURE is an error status with an empty body: a response all the same (an API's 401/403).
            throw new BrowserNavigationException($"{address} を開けません / cannot open {address}: {error}");
        }

        if (loader is null)
        {
            // A change of the fragment only: the document stays, no load event follows.
            return LastResponse;
        }

        Expect(waiter, loader);

        return await WaitAsync(waiter, $"{address}", cancellationToken);
    }

    /// <inheritdoc cref="GotoAsync(Uri, CancellationToken)"/>
    public Task<BrowserResponse?> GotoAsync(string address, CancellationToken cancellationToken = default) =>
        GotoAsync(new Uri(address, UriKind.Absolute), cancellationToken);

    /// <summary>Reloads the page and waits for its load event.</summary>
    public async Task<BrowserResponse?> ReloadAsync(CancellationToken cancellationToken = default)
    {
        var waiter = Arm(byAction: true);
        await SendAsync("Page.reload", null, cancellationToken);
        return await WaitAsync(waiter, "reload", cancellationToken);
    }

    /// <summary>Waits until an element matches <paramref name="css"/> and, when <paramref name="visible"/>, is displayed.</summary>
    /// <exception cref="TimeoutException">None did within <paramref name="timeout"/> (default: the browser's timeout).</exception>
    public Task WaitForSelectorAsync(string css, TimeSpan? timeout = null, bool visible = false, CancellationToken cancellationToken = default) =>
        WaitForFunctionAsync(
            visible ? $"(() => {{ const e = document.querySelector({Js(css)}); return !!e && e.checkVisibility(); }})()" : $"!!document.querySelector({Js(css)})",
            timeout,
            $"{css} が現れません / {css} did not appear",
            cancellationToken);

    /// <summary>Waits until the JavaScript expression <paramref name="predicate"/> is truthy (a promise is awaited); it is
    /// re-evaluated every 50 ms, across reloads, so live updates (server-sent events, polling) are seen as they land.</summary>
    /// <exception cref="TimeoutException">It never was within <paramref name="timeout"/>.</exception>
    public Task WaitForFunctionAsync(string predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForFunctionAsync(predicate, timeout, $"{predicate} が真になりません / never became true", cancellationToken);

    /// <summary>Evaluates <paramref name="expression"/> in the page (a promise is awaited) and converts its JSON value to
    /// <typeparamref name="T"/> (undefined and null give default).</summary>
    /// <exception cref="BrowserScriptException">The expression threw.</exception>
    public async Task<T?> EvaluateAsync<T>(string expression, CancellationToken cancellationToken = default)
    {
        var value = await EvaluateNodeAsync(expression, cancellationToken);
        return value is null ? default : value.Deserialize<T>(JsonSerializerOptions.Web);
    }

    /// <summary>Evaluates <paramref name="expression"/> for its effect (a promise is awaited).</summary>
    /// <exception cref="BrowserScriptException">The expression threw.</exception>
    public Task EvaluateAsync(string expression, CancellationToken cancellationToken = default) => EvaluateNodeAsync(expression, cancellationToken);

    /// <summary>Whether an element matches <paramref name="css"/> now (no waiting).</summary>
    public async Task<bool> ExistsAsync(string css, CancellationToken cancellationToken = default) =>
        await EvaluateAsync<bool>($"!!document.querySelector({Js(css)})", cancellationToken);

    /// <summary>How many elements match <paramref name="css"/> now.</summary>
    public async Task<int> CountAsync(string css, CancellationToken cancellationToken = default) =>
        await EvaluateAsync<int>($"document.querySelectorAll({Js(css)}).length", cancellationToken);

    /// <summary>The text a person sees in the first element matching <paramref name="css"/> (innerText), waiting for it.</summary>
    public async Task<string> TextAsync(string css, CancellationToken cancellationToken = default)
    {
        await WaitForSelectorAsync(css, cancellationToken: cancellationToken);
        return await EvaluateAsync<string>($"(() => {{ const e = document.querySelector({Js(css)}); return e ? e.innerText : ''; }})()", cancellationToken) ?? string.Empty;
    }

    /// <summary>Every matching element's innerText, in document order.</summary>
    public async Task<IReadOnlyList<string>> TextsAsync(string css, CancellationToken cancellationToken = default) =>
        await EvaluateAsync<List<string>>($"[...document.querySelectorAll({Js(css)})].map(e => e.innerText)", cancellationToken) ?? [];

    /// <summary>An attribute of the first element matching <paramref name="css"/> (null when absent), waiting for the element.</summary>
    public async Task<string?> AttributeAsync(string css, string name, CancellationToken cancellationToken = default)
    {
        await WaitForSelectorAsync(css, cancellationToken: cancellationToken);
        return await EvaluateAsync<string?>($"document.querySelector({Js(css)})?.getAttribute({Js(name)}) ?? null", cancellationToken);
    }

    /// <summary>Clicks the element's centre with the mouse, as a person would: it waits until the element is displayed,
    /// scrolls it into view, and refuses (after waiting) when another element covers that point.</summary>
    /// <exception cref="TimeoutException">The element never became clickable.</exception>
    public async Task ClickAsync(string css, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var point = await ClickablePointAsync(css, timeout ?? Timeout, cancellationToken);
        foreach (var (type, buttons) in new[] { ("mouseMoved", 0), ("mousePressed", 1), ("mouseReleased", 0) })
        {
            await SendAsync(
                "Input.dispatchMouseEvent",
                new JsonObject { ["type"] = type, ["x"] = point.X, ["y"] = point.Y, ["button"] = type == "mouseMoved" ? "none" : "left", ["buttons"] = buttons, ["clickCount"] = type == "mouseMoved" ? 0 : 1 },
                cancellationToken);
        }
    }

    /// <summary>Clicks (<see cref="ClickAsync"/>) and waits for the navigation it starts (a link, a form post and its
    /// redirect) to load; returns the response that became the page.</summary>
    /// <exception cref="TimeoutException">No navigation loaded within the timeout.</exception>
    public Task<BrowserResponse?> ClickAndWaitForNavigationAsync(string css, CancellationToken cancellationToken = default) =>
        WaitForNavigationAsync(() => ClickAsync(css, cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Runs <paramref name="action"/> (pressing Enter in a form, a script that sets <c>location</c>) and waits for
    /// the navigation it starts to load; returns the response that became the page.</summary>
    /// <exception cref="TimeoutException">No navigation loaded within the timeout.</exception>
    public async Task<BrowserResponse?> WaitForNavigationAsync(Func<Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        var waiter = Arm(byAction: true);
        await action();
        return await WaitAsync(waiter, "navigation", cancellationToken);
    }

    /// <summary>Focuses the field and types <paramref name="text"/> at the caret (Japanese too), firing input events.</summary>
    public async Task TypeAsync(string css, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        await FocusAsync(css, selectAll: false, cancellationToken);
        if (text.Length > 0)
        {
            await SendAsync("Input.insertText", new JsonObject { ["text"] = text }, cancellationToken);
        }
    }

    /// <summary>Replaces the field's value with <paramref name="text"/> (a <c>&lt;select&gt;</c>: chooses the option of that value).</summary>
    public async Task FillAsync(string css, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        await WaitForSelectorAsync(css, cancellationToken: cancellationToken);
        var isSelect = await EvaluateAsync<bool>($"document.querySelector({Js(css)}).tagName === 'SELECT'", cancellationToken);
        if (isSelect)
        {
            var chosen = await EvaluateAsync<bool>(
                $"(() => {{ const e = document.querySelector({Js(css)}); if (![...e.options].some(o => o.value === {Js(text)})) return false; "
                + $"e.value = {Js(text)}; e.dispatchEvent(new Event('input', {{ bubbles: true }})); e.dispatchEvent(new Event('change', {{ bubbles: true }})); return true; }})()",
                cancellationToken);
            if (!chosen)
            {
                throw new InvalidOperationException($"{css} に値 {text} の選択肢がありません / {css} has no option of value {text}");
            }

            return;
        }

        await FocusAsync(css, selectAll: true, cancellationToken);
        if (text.Length > 0)
        {
            await SendAsync("Input.insertText", new JsonObject { ["text"] = text }, cancellationToken);
        }
        else
        {
            await PressAsync("Delete", cancellationToken);
        }
    }

    /// <summary>Presses a key on the focused element: Enter, Tab, Escape, Backspace, Delete, ArrowDown, ArrowUp, Space.</summary>
    public async Task PressAsync(string key, CancellationToken cancellationToken = default)
    {
        var (code, keyCode, text) = key switch
        {
            "Enter" => ("Enter", 13, "\r"),
            "Tab" => ("Tab", 9, (string?)null),
            "Escape" => ("Escape", 27, null),
            "Backspace" => ("Backspace", 8, null),
            "Delete" => ("Delete", 46, null),
            "ArrowDown" => ("ArrowDown", 40, null),
            "ArrowUp" => ("ArrowUp", 38, null),
            "Space" => ("Space", 32, " "),
            _ => throw new ArgumentException($"unsupported key {key}", nameof(key)),
        };
        var name = key == "Space" ? " " : key;
        var down = new JsonObject { ["type"] = text is null ? "rawKeyDown" : "keyDown", ["key"] = name, ["code"] = code, ["windowsVirtualKeyCode"] = keyCode };
        if (text is not null)
        {
            down["text"] = text;
        }

        await SendAsync("Input.dispatchKeyEvent", down, cancellationToken);
        await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyUp", ["key"] = name, ["code"] = code, ["windowsVirtualKeyCode"] = keyCode }, cancellationToken);
    }

    /// <summary>The cookies the browser would send to the current page (or to <paramref name="forUrl"/>), with their flags.</summary>
    public async Task<IReadOnlyList<BrowserCookie>> CookiesAsync(Uri? forUrl = null, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync("Network.getCookies", new JsonObject { ["urls"] = new JsonArray((forUrl ?? Url).AbsoluteUri) }, cancellationToken);
        return [.. (result["cookies"] as JsonArray ?? []).OfType<JsonObject>().Select(Cookie)];
    }

    /// <summary>Forgets every cookie of this page's browser context (as if signed out by clearing the browser).</summary>
    public Task ClearCookiesAsync(CancellationToken cancellationToken = default) =>
        browser.SendAsync("Storage.clearCookies", new JsonObject { ["browserContextId"] = contextId }, cancellationToken);

    /// <summary>Changes the viewport (a laptop, a tablet held upright) and waits for the page to lay itself out again.</summary>
    public async Task SetViewportAsync(BrowserViewport viewport, CancellationToken cancellationToken = default)
    {
        await SendAsync(
            "Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = viewport.Width, ["height"] = viewport.Height, ["deviceScaleFactor"] = 1, ["mobile"] = viewport.Mobile },
            cancellationToken);
        await SendAsync("Emulation.setTouchEmulationEnabled", new JsonObject { ["enabled"] = viewport.Mobile, ["maxTouchPoints"] = viewport.Mobile ? 5 : 1 }, cancellationToken);
        Viewport = viewport;
        await EvaluateNodeAsync("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))", cancellationToken);
    }

    /// <summary>Saves a PNG of the whole page (not only the viewport) and returns its path: <paramref name="name"/> is a file
    /// name (".png" added) under the screenshot folder (<see cref="BrowserOptions.ScreenshotFolder"/>, else
    /// <see cref="BrowserArtifacts.Folder"/>), or a full path.</summary>
    public async Task<string> ScreenshotAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var path = Path.IsPathRooted(name)
            ? name
            : Path.Combine(browser.Options.ScreenshotFolder ?? BrowserArtifacts.Folder, string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c)));
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            path += ".png";
        }

        var metrics = await SendAsync("Page.getLayoutMetrics", null, cancellationToken);
        var size = metrics["cssContentSize"] ?? metrics["contentSize"];
        var width = Math.Max(Viewport.Width, Math.Ceiling(size?["width"]?.GetValue<double>() ?? Viewport.Width));
        var height = Math.Max(Viewport.Height, Math.Ceiling(size?["height"]?.GetValue<double>() ?? Viewport.Height));
        var shot = await SendAsync(
            "Page.captureScreenshot",
            new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = height, ["scale"] = 1 },
            },
            cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()), cancellationToken);
        return path;
    }

    /// <summary>Sends any DevTools command to this page's session and returns its result: for what the page does not wrap
    /// (for example <c>Network.emulateNetworkConditions</c> to take the page offline and see a live view reconnect).</summary>
    /// <exception cref="BrowserProtocolException">Chromium refused the command.</exception>
    public Task<JsonObject> SendDevToolsAsync(string method, JsonObject? parameters = null, CancellationToken cancellationToken = default) =>
        SendAsync(method, parameters, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        browser.Connection.Unsubscribe(sessionId);
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await browser.SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = targetId }, quick.Token);
            await browser.SendAsync("Target.disposeBrowserContext", new JsonObject { ["browserContextId"] = contextId }, quick.Token);
        }
        catch (Exception ex) when (ex is BrowserProtocolException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The browser is closing or gone: its process and profile go with it.
        }
    }

    internal static async Task<BrowserPage> OpenAsync(ChromiumBrowser browser, BrowserViewport viewport, CancellationToken cancellationToken)
    {
        var page = new BrowserPage(browser, viewport);
        var context = await browser.SendAsync("Target.createBrowserContext", new JsonObject { ["disposeOnDetach"] = true }, cancellationToken);
        page.contextId = context["browserContextId"]!.GetValue<string>();
        var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank", ["browserContextId"] = page.contextId }, cancellationToken);
        page.targetId = target["targetId"]!.GetValue<string>();
        var attached = await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = page.targetId, ["flatten"] = true }, cancellationToken);
        page.sessionId = attached["sessionId"]!.GetValue<string>();
        browser.Connection.Subscribe(page.sessionId, page.OnEvent);
        try
        {
            await page.SendAsync("Page.enable", null, cancellationToken);
            await page.SendAsync("Page.setLifecycleEventsEnabled", new JsonObject { ["enabled"] = true }, cancellationToken);
            await page.SendAsync("Network.enable", null, cancellationToken);
            await page.SendAsync("Runtime.enable", null, cancellationToken);
            await page.SendAsync("Log.enable", null, cancellationToken);
            await page.SendAsync("Inspector.enable", null, cancellationToken);
            await page.SendAsync("Runtime.addBinding", new JsonObject { ["name"] = CspBinding }, cancellationToken);
            await page.SendAsync("Page.addScriptToEvaluateOnNewDocument", new JsonObject { ["source"] = CspListener }, cancellationToken);
            if (browser.Options.TimeZone is { } zone)
            {
                await page.SendAsync("Emulation.setTimezoneOverride", new JsonObject { ["timezoneId"] = zone }, cancellationToken);
            }

            var tree = await page.SendAsync("Page.getFrameTree", null, cancellationToken);
            page.mainFrame = tree["frameTree"]!["frame"]!["id"]!.GetValue<string>();
            await page.SetViewportAsync(viewport, cancellationToken);
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    private static string Js(string text) => JsonSerializer.Serialize(text);

    private static BrowserCookie Cookie(JsonObject c)
    {
        var expires = c["expires"]?.GetValue<double>() ?? -1;
        var session = c["session"]?.GetValue<bool>() ?? expires < 0;
        return new BrowserCookie(
            c["name"]!.GetValue<string>(),
            c["value"]!.GetValue<string>(),
            c["domain"]!.GetValue<string>(),
            c["path"]!.GetValue<string>(),
            c["secure"]?.GetValue<bool>() ?? false,
            c["httpOnly"]?.GetValue<bool>() ?? false,
            c["sameSite"]?.GetValue<string>(),
            session ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)(expires * 1000)));
    }

    private static string Describe(JsonNode? remote) =>
        remote?["value"] is JsonValue value ? value.ToString() : remote?["description"]?.GetValue<string>() ?? remote?["type"]?.GetValue<string>() ?? string.Empty;

    private Task<JsonObject> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken) =>
        browser.Connection.SendAsync(method, parameters, sessionId, Timeout, cancellationToken);

    private async Task<JsonNode?> EvaluateNodeAsync(string expression, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(
            "Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true, ["userGesture"] = true },
            cancellationToken);
        if (answer["exceptionDetails"] is JsonObject details)
        {
            var thrown = details["exception"]?["description"]?.GetValue<string>() ?? details["text"]?.GetValue<string>();
            throw new BrowserScriptException($"{thrown} (in: {expression})");
        }

        return answer["result"]?["value"]?.DeepClone();
    }

    private async Task WaitForFunctionAsync(string predicate, TimeSpan? timeout, string what, CancellationToken cancellationToken)
    {
        var limit = timeout ?? Timeout;
        var until = DateTime.UtcNow + limit;
        var wrapped = $"(async () => !!({predicate}))()";
        string? lastError = null;
        while (true)
        {
            try
            {
                if ((await EvaluateNodeAsync(wrapped, cancellationToken))?.GetValue<bool>() == true)
                {
                    return;
                }

                lastError = null;
            }
            catch (Exception ex) when (ex is BrowserScriptException or BrowserProtocolException)
            {
                // A navigation in between destroys the context; a predicate that throws is false until it does not.
                lastError = ex.Message;
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException(
                    $"{limit.TotalSeconds:0.#} 秒待ちました / waited {limit.TotalSeconds:0.#} s on {Url}: {what}"
                    + (lastError is null ? string.Empty : $"; last error: {lastError}")
                    + (Problems.Count == 0 ? string.Empty : "; page problems: " + string.Join(" | ", Problems)));
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private async Task FocusAsync(string css, bool selectAll, CancellationToken cancellationToken)
    {
        await WaitForSelectorAsync(css, visible: true, cancellationToken: cancellationToken);
        var focused = await EvaluateAsync<bool>(
            $"(() => {{ const e = document.querySelector({Js(css)}); e.scrollIntoView({{ block: 'center' }}); e.focus(); "
            + (selectAll ? "if (typeof e.select === 'function') e.select(); else document.execCommand('selectAll'); " : string.Empty)
            + "return document.activeElement === e; })()",
            cancellationToken);
        if (!focused)
        {
            throw new InvalidOperationException($"{css} に入力できません (フォーカスを受けません) / {css} does not take focus, so it cannot be typed into");
        }
    }

    private async Task<(double X, double Y)> ClickablePointAsync(string css, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        var script =
            $"(() => {{ const e = document.querySelector({Js(css)}); if (!e) return {{ why: 'missing' }}; "
            + "if (!e.checkVisibility()) return { why: 'hidden' }; "
            + "e.scrollIntoView({ block: 'center', inline: 'center' }); const r = e.getBoundingClientRect(); "
            + "if (r.width < 1 || r.height < 1) return { why: 'empty box' }; "
            + "const x = r.left + r.width / 2, y = r.top + r.height / 2; const top = document.elementFromPoint(x, y); "
            + "if (top !== e && !e.contains(top)) return { why: 'covered by ' + (top ? top.outerHTML.slice(0, 120) : 'nothing') }; "
            + "if (e.disabled) return { why: 'disabled' }; return { x, y }; })()";
        while (true)
        {
            string why;
            try
            {
                var found = await EvaluateNodeAsync(script, cancellationToken);
                if (found?["x"] is { } x && found["y"] is { } y)
                {
                    return (x.GetValue<double>(), y.GetValue<double>());
                }

                why = found?["why"]?.GetValue<string>() ?? "?";
            }
            catch (Exception ex) when (ex is BrowserScriptException or BrowserProtocolException)
            {
                why = ex.Message;
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"{css} を押せません / cannot click {css} on {Url}: {why}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private Navigation Arm(bool byAction = false)
    {
        var waiter = new Navigation { ByAction = byAction };
        lock (gate)
        {
            navigation?.Done.TrySetCanceled();
            navigation = waiter;
        }

        return waiter;
    }

    /// <summary>The navigation's loader is known (Page.navigate answered): done at once if its load event already came.</summary>
    private void Expect(Navigation waiter, string loader)
    {
        lock (gate)
        {
            waiter.Loader = loader;
            if (loads.Contains(loader))
            {
                waiter.Done.TrySetResult(loader);
            }
        }
    }

    private async Task<BrowserResponse?> WaitAsync(Navigation waiter, string what, CancellationToken cancellationToken)
    {
        try
        {
            var loader = await waiter.Done.Task.WaitAsync(Timeout, cancellationToken);
            lock (gate)
            {
                return responses.GetValueOrDefault(loader);
            }
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"{what}: ページが {Timeout.TotalSeconds:0} 秒以内に読み込まれません / the page did not load within {Timeout.TotalSeconds:0} s (now at {Url})"
                + (Problems.Count == 0 ? string.Empty : "; page problems: " + string.Join(" | ", Problems)));
        }
        finally
        {
            lock (gate)
            {
                if (navigation == waiter)
                {
                    navigation = null;
                }
            }
        }
    }

    private void Add(BrowserProblemKind kind, string text, string? source)
    {
        lock (gate)
        {
            problems.Add(new BrowserProblem(kind, text, source));
        }
    }

    private void OnEvent(string method, JsonObject e)
    {
        if (BrowserArtifacts.TraceFile is { } trace)
        {
            var line = e.ToJsonString();
            lock (gate)
            {
                File.AppendAllText(trace, $"{DateTime.UtcNow:HH:mm:ss.fff} {sessionId[..Math.Min(8, sessionId.Length)]} {method} {line[..Math.Min(600, line.Length)]}\n");
            }
        }

        switch (method)
        {
            case "Network.responseReceived" when (e["type"]?.GetValue<string>() == "Document" && e["frameId"]?.GetValue<string>() == mainFrame):
                {
                    var response = e["response"]!;
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (name, value) in response["headers"] as JsonObject ?? [])
                    {
                        headers[name] = value?.ToString() ?? string.Empty;
                    }

                    var received = new BrowserResponse(response["status"]!.GetValue<int>(), new Uri(response["url"]!.GetValue<string>()), headers);
                    lock (gate)
                    {
                        responses[e["loaderId"]?.GetValue<string>() ?? string.Empty] = received;
                        documents.Enqueue(e["requestId"]?.GetValue<string>() ?? string.Empty);
                        while (documents.Count > 16)
                        {
                            documents.Dequeue();
                        }
                    }

                    break;
                }

            case "Page.frameNavigated" when (e["frame"]?["id"]?.GetValue<string>() == mainFrame):
                {
                    var frame = e["frame"]!;
                    var loader = frame["loaderId"]?.GetValue<string>() ?? string.Empty;
                    lock (gate)
                    {
                        // An error status with an empty body shows Chromium's error page: the address is still the one asked for.
                        url = frame["unreachableUrl"]?.GetValue<string>() ?? frame["url"]!.GetValue<string>() + (frame["urlFragment"]?.GetValue<string>() ?? string.Empty);
                        lastResponse = responses.GetValueOrDefault(loader);
                        foreach (var old in responses.Keys.Where(k => k != loader).ToList())
                        {
                            responses.Remove(old);
                        }
                    }

                    break;
                }

            case "Page.frameStartedNavigating" when (e["frameId"]?.GetValue<string>() == mainFrame
                                                     && e["navigationType"]?.GetValue<string>()?.Contains("ameDocument", StringComparison.Ordinal) == false):
                lock (gate)
                {
                    // A click's navigation is known from here on (the first one to start after the click was armed; a form
                    // post keeps its loader through the redirect that follows it).
                    if (navigation is { Loader: null, ByAction: true } waiting)
                    {
                        waiting.Loader = e["loaderId"]?.GetValue<string>();
                    }
                }

                break;

            case "Page.navigatedWithinDocument" when (e["frameId"]?.GetValue<string>() == mainFrame):
                lock (gate)
                {
                    url = e["url"]!.GetValue<string>();
                }

                break;

            case "Page.lifecycleEvent" when (e["name"]?.GetValue<string>() == "load" && e["frameId"]?.GetValue<string>() == mainFrame):
                lock (gate)
                {
                    var loaded = e["loaderId"]?.GetValue<string>() ?? string.Empty;
                    loads.Enqueue(loaded);
                    while (loads.Count > 16)
                    {
                        loads.Dequeue();
                    }

                    if (navigation is { Loader: { } loader } waiting && loader == loaded)
                    {
                        waiting.Done.TrySetResult(loader);
                    }
                }

                break;

            case "Runtime.consoleAPICalled" when (e["type"]?.GetValue<string>() is "error" or "assert"):
                {
                    var text = string.Join(' ', (e["args"] as JsonArray ?? []).Select(Describe));
                    var frame = (e["stackTrace"]?["callFrames"] as JsonArray)?.FirstOrDefault();
                    Add(BrowserProblemKind.ConsoleError, text, frame is null ? null : Where(frame["url"], frame["lineNumber"], zeroBased: true));
                    break;
                }

            case "Runtime.exceptionThrown":
                {
                    var details = e["exceptionDetails"]!;
                    var text = details["exception"]?["description"]?.GetValue<string>() ?? details["text"]?.GetValue<string>() ?? "exception";
                    Add(BrowserProblemKind.UncaughtException, text, Where(details["url"], details["lineNumber"], zeroBased: true));
                    break;
                }

            case "Runtime.bindingCalled" when (e["name"]?.GetValue<string>() == CspBinding):
                {
                    var v = JsonNode.Parse(e["payload"]?.GetValue<string>() ?? "{}");
                    var text = $"{v?["disposition"]} {v?["directive"]} blocked {v?["blocked"]}";
                    Add(BrowserProblemKind.ContentSecurityPolicy, text, Where(v?["source"], v?["line"], zeroBased: false));
                    break;
                }

            case "Log.entryAdded" when (e["entry"]?["level"]?.GetValue<string>() == "error"):
                {
                    var entry = e["entry"]!;
                    lock (gate)
                    {
                        if (entry["source"]?.GetValue<string>() == "network" && documents.Contains(entry["networkRequestId"]?.GetValue<string>() ?? "-"))
                        {
                            // The page itself came with an error status (401, 403): that is LastResponse, which the test asserts.
                            break;
                        }
                    }

                    var kind = entry["source"]?.GetValue<string>() switch
                    {
                        "network" => BrowserProblemKind.FailedResource,
                        "security" or "violation" when entry["text"]?.GetValue<string>().Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) == true
                            => BrowserProblemKind.ContentSecurityPolicy,
                        _ => BrowserProblemKind.BrowserError,
                    };
                    Add(kind, entry["text"]?.GetValue<string>() ?? string.Empty, Where(entry["url"], entry["lineNumber"], zeroBased: true));
                    break;
                }

            case "Page.javascriptDialogOpening":
                {
                    var (accept, text) = (AcceptDialogs, PromptText);
                    lock (gate)
                    {
                        dialogs.Add($"{e["type"]?.GetValue<string>()}: {e["message"]?.GetValue<string>()}");
                    }

                    // Answered off the reader's thread: the answer's own reply arrives through that reader.
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await SendAsync("Page.handleJavaScriptDialog", new JsonObject { ["accept"] = accept, ["promptText"] = text }, CancellationToken.None);
                        }
                        catch (Exception ex) when (ex is BrowserProtocolException or TimeoutException or ObjectDisposedException)
                        {
                            Add(BrowserProblemKind.BrowserError, "ダイアログに答えられません / could not answer a dialog: " + ex.Message, null);
                        }
                    });
                    break;
                }

            case "Inspector.targetCrashed":
                Add(BrowserProblemKind.Crash, "ページの描画プロセスが落ちました / the page's renderer crashed", Url.ToString());
                break;
        }
    }

    private static string? Where(JsonNode? file, JsonNode? line, bool zeroBased)
    {
        var name = file?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return line is JsonValue number && number.TryGetValue<int>(out var n)
            ? string.Create(CultureInfo.InvariantCulture, $"{name}:{(zeroBased ? n + 1 : n)}")
            : name;
    }

    /// <summary>A navigation being waited for: its loader (known once the main frame commits it) and the load event.</summary>
    private sealed class Navigation
    {
        public string? Loader { get; set; }

        /// <summary>Started by a click or a reload: its loader is that of the first navigation to start afterwards.</summary>
        public bool ByAction { get; init; }

        public TaskCompletionSource<string> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Dxmig.TestSupport.Browser;

/// <summary>
/// A private headless Chromium (Debian's <c>chromium</c>; nothing is downloaded) driven over the DevTools protocol on
/// loopback. Each instance has its own temporary profile and its own debugging port (port 0, read back from the profile's
/// <c>DevToolsActivePort</c>), so several run at once. It reaches only loopback: host names other than <c>localhost</c> do
/// not resolve, no proxy is used, background services (updates, sync, metrics) are off. Certificates are verified except
/// those whose public key the caller lists (<see cref="BrowserOptions.AcceptedCertificates"/>). Pages come from
/// <see cref="NewPageAsync"/>, each in its own browser context (its own cookies and storage, like a private window).
/// Disposing kills the whole process tree and deletes the profile; should the test process die first, a small watchdog
/// beside Chromium kills it within a second.
/// </summary>
public sealed class ChromiumBrowser : IAsyncDisposable
{
    private const int StderrLines = 40;

    // Starts Chromium and stays beside it: when the test process ($1) is gone (killed, crashed, a hung run stopped), it
    // kills Chromium, whose helper processes follow it, so no browser outlives its tests. It ends with Chromium.
    private const string Watchdog =
        "parent=$1; shift; \"$@\" & child=$!; trap 'kill -9 $child 2>/dev/null; exit 143' TERM INT; "
        + "while kill -0 \"$parent\" 2>/dev/null && kill -0 \"$child\" 2>/dev/null; do sleep 1; done; "
        + "kill -9 \"$child\" 2>/dev/null; wait \"$child\"";

    private readonly Process process;
    private readonly Queue<string> stderr = new();
    private readonly Lock gate = new();
    private DevToolsConnection? connection;
    private int disposed;

    private ChromiumBrowser(Process process, string profileFolder, BrowserOptions options)
    {
        this.process = process;
        ProfileFolder = profileFolder;
        Options = options;
    }

    public BrowserOptions Options { get; }

    /// <summary>The temporary profile (removed on dispose).</summary>
    public string ProfileFolder { get; }

    /// <summary>The id of the process that started Chromium and watches the test process (Chromium, its renderers and
    /// helpers are its descendants, all killed on dispose).</summary>
    public int ProcessId => process.Id;

    /// <summary>Chromium's product and version, as DevTools reports it (<c>HeadlessChrome/156.0...</c>).</summary>
    public string Version { get; private set; } = string.Empty;

    internal DevToolsConnection Connection => connection ?? throw new ObjectDisposedException(nameof(ChromiumBrowser));

    /// <summary>Debian's Chromium, or a clear error naming the package when it is missing.</summary>
    public static string DefaultExecutable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("chromium が見つかりません (./test.sh が Debian の chromium を入れます) / chromium is not installed (./test.sh installs Debian's chromium)");

    /// <summary>Chromium's SPKI pin of a certificate: base64 of the SHA-256 of its DER SubjectPublicKeyInfo (what
    /// <c>--ignore-certificate-errors-spki-list</c> takes; the same value as HPKP's pin-sha256).</summary>
    public static string SpkiHash(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>Starts Chromium and connects to it.</summary>
    /// <exception cref="FileNotFoundException">Chromium is not installed.</exception>
    /// <exception cref="BrowserProtocolException">Chromium ended, or never said where DevTools listen, within the timeout.</exception>
    public static async Task<ChromiumBrowser> LaunchAsync(BrowserOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new BrowserOptions();
        var executable = options.ExecutablePath ?? DefaultExecutable;
        var profile = Path.Combine(Path.GetTempPath(), $"dxmig-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", Watchdog, "sh", options.WatchedProcessId.ToString(CultureInfo.InvariantCulture), executable }.Concat(Arguments(options, profile)))
        {
            info.ArgumentList.Add(argument);
        }

        Process started;
        try
        {
            started = Process.Start(info) ?? throw new BrowserProtocolException($"{executable} did not start");
        }
        catch
        {
            DeleteProfile(profile);
            throw;
        }

        var browser = new ChromiumBrowser(started, profile, options);
        try
        {
            started.ErrorDataReceived += browser.OnStderr;
            started.OutputDataReceived += (_, _) => { };
            started.BeginErrorReadLine();
            started.BeginOutputReadLine();
            await browser.ConnectAsync(cancellationToken);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a blank page in a fresh browser context (no cookies, no storage) at <paramref name="viewport"/>
    /// (default: <see cref="BrowserOptions.Viewport"/>).</summary>
    public Task<BrowserPage> NewPageAsync(BrowserViewport? viewport = null, CancellationToken cancellationToken = default) =>
        BrowserPage.OpenAsync(this, viewport ?? Options.Viewport, cancellationToken);

    /// <summary>The last lines Chromium wrote to standard error (for a failure message).</summary>
    public string StderrTail()
    {
        lock (gate)
        {
            return string.Join('\n', stderr);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // It ended on its own, or is being reaped; the profile is removed below either way.
        }

        process.Dispose();
        DeleteProfile(ProfileFolder);
    }

    internal Task<JsonObject> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken) =>
        Connection.SendAsync(method, parameters, null, Options.Timeout, cancellationToken);

    private static List<string> Arguments(BrowserOptions options, string profile)
    {
        var spki = options.AcceptedCertificates.Select(SpkiHash).Concat(options.AcceptedSpkiHashes).Distinct(StringComparer.Ordinal).ToList();
        var arguments = new List<string>
        {
            "--headless",
            // As root (CI) Chromium refuses to start with its sandbox; the pages are the tests' own, on loopback.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--user-data-dir=" + profile,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            // Loopback only: no proxy from the environment, nothing but localhost, 127.0.0.1 and [::1] resolves (other
            // names and addresses fail as ERR_NAME_NOT_RESOLVED), nothing phones home.
            "--no-proxy-server",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-domain-reliability",
            "--disable-breakpad",
            "--metrics-recording-only",
            "--no-pings",
            "--password-store=basic",
            "--use-mock-keychain",
            "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
            "--lang=" + options.Languages.Split(',')[0],
            "--accept-lang=" + options.Languages,
            string.Create(CultureInfo.InvariantCulture, $"--window-size={options.Viewport.Width},{options.Viewport.Height}"),
        };
        if (spki.Count > 0)
        {
            // Only these public keys are accepted despite an untrusted issuer; never the blanket --ignore-certificate-errors.
            arguments.Add("--ignore-certificate-errors-spki-list=" + string.Join(',', spki));
        }

        arguments.Add("about:blank");
        return arguments;
    }

    private static void DeleteProfile(string profile)
    {
        for (var attempt = 0; attempt < 10 && Directory.Exists(profile); attempt++)
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A helper process still closing its files; try again shortly.
                Thread.Sleep(100);
            }
        }
    }

    private void OnStderr(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (gate)
        {
            stderr.Enqueue(e.Data);
            while (stderr.Count > StderrLines)
            {
                stderr.Dequeue();
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        // Chromium writes "PORT\n/devtools/browser/ID" to the profile once DevTools listen (port 0: a free one it chose).
        var file = Path.Combine(ProfileFolder, "DevToolsActivePort");
        var until = DateTime.UtcNow + Options.Timeout;
        string[] lines = [];
        while (lines.Length < 2)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new BrowserProtocolException($"chromium が起動直後に終了しました (終了コード {process.ExitCode}) / chromium ended at start (exit code {process.ExitCode}):\n{StderrTail()}");
            }

            if (DateTime.UtcNow > until)
            {
                throw new BrowserProtocolException($"chromium が DevTools のポートを {Options.Timeout.TotalSeconds:0} 秒以内に開きません / chromium opened no DevTools port within {Options.Timeout.TotalSeconds:0} s:\n{StderrTail()}");
            }

            if (File.Exists(file))
            {
                try
                {
                    lines = (await File.ReadAllLinesAsync(file, cancellationToken)).Where(l => l.Length > 0).ToArray();
                }
                catch (IOException)
                {
                    lines = [];
                }
            }

            if (lines.Length < 2)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        connection = await DevToolsConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), cancellationToken);
        var version = await SendAsync("Browser.getVersion", null, cancellationToken);
        Version = version["product"]?.GetValue<string>() ?? string.Empty;
    }
}

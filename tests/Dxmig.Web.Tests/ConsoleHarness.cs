using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Dxmig.Cli.Console;
using Dxmig.Cli.Serve;
using Dxmig.TestSupport;
using Dxmig.Web.Auth;

namespace Dxmig.Web.Tests;

/// <summary>
/// <c>dxmig serve --console https://127.0.0.1:0</c> in this process: a private home, scheduler store and jobs folder,
/// a self-signed certificate, local accounts (<see cref="Viewer"/>, <see cref="Operator"/>) and optionally Entra ID
/// sign-in through the Graph emulator. Stopped (Ctrl+C as a person would) on dispose.
/// </summary>
public sealed partial class ConsoleHarness : IAsyncDisposable
{
    public const string Viewer = "vera";
    public const string Operator = "otto";
    public const string ViewerPassword = "vera-Kq7!console-pass";
    public const string OperatorPassword = "otto-Zr4!console-pass";

    private readonly CancellationTokenSource stop = new();
    private Task<int>? serve;

    private ConsoleHarness(TempFolder folder, X509Certificate2 certificate, string? jobs)
    {
        Folder = folder;
        Certificate = certificate;
        Jobs = jobs ?? Path.Combine(folder.Path, "jobs");
    }

    public TempFolder Folder { get; }

    /// <summary>The console itself (its route table).</summary>
    public WebConsole? Web { get; private set; }

    public X509Certificate2 Certificate { get; }

    public Uri Address { get; private set; } = new("https://127.0.0.1/");

    public string Jobs { get; }

    public StringWriter Output { get; } = new();

    public StringWriter Error { get; } = new();

    /// <summary>Starts serve with the console; <paramref name="environment"/> adds variables (Entra ID, job secrets).</summary>
    public static async Task<ConsoleHarness> StartAsync(
        Action<string>? writeJobs = null, IReadOnlyDictionary<string, string>? environment = null, bool localAccounts = true, string? jobsFolder = null)
    {
        var folder = new TempFolder("dxmig-console");
        var harness = new ConsoleHarness(folder, TestCertificates.SelfSigned("127.0.0.1", "localhost"), jobsFolder);
        Directory.CreateDirectory(harness.Jobs);
        writeJobs?.Invoke(harness.Jobs);
        var pfx = folder.File("console.pfx");
        await File.WriteAllBytesAsync(pfx, harness.Certificate.Export(X509ContentType.Pfx));
        string? accounts = null;
        if (localAccounts)
        {
            accounts = folder.Write("console-accounts.txt",
                $"# test accounts\n{Viewer} viewer {LocalAccounts.HashPassword(ViewerPassword, 1000)}\n{Operator} operator {LocalAccounts.HashPassword(OperatorPassword, 1000)}\n");
        }

        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["DXMIG_HOME"] = folder.File("home"),
        };
        SecretScan.RegisterVariables(variables);
        var io = new CliIo(harness.Output, harness.Error, interactive: false, name => variables.GetValueOrDefault(name), TimeProvider.System);
        var started = new TaskCompletionSource<WebConsole>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.serve = Task.Run(() => ServeCommand.ExecuteAsync(
            io, harness.Jobs, folder.File("scheduler.db"), null, "console-node", null, harness.stop.Token,
            console: new ConsoleArguments("https://127.0.0.1:0", pfx, accounts), consoleStarted: started.SetResult));
        var first = await Task.WhenAny(started.Task, harness.serve, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != started.Task)
        {
            throw new InvalidOperationException($"the console did not start:\n{harness.Output}\n{harness.Error}");
        }

        harness.Web = await started.Task;
        harness.Address = harness.Web.Address;
        return harness;
    }

    /// <summary>An HTTP client that trusts only this console's certificate and keeps cookies (a browser without script).</summary>
    public HttpClient Client(bool followRedirects = false)
    {
        var handler = new HttpClientHandler
        {
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = followRedirects,
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.Thumbprint == Certificate.Thumbprint,
        };
        return new HttpClient(handler) { BaseAddress = Address };
    }

    /// <summary>A client signed in with a local account (through the sign-in form and its antiforgery token).</summary>
    public async Task<HttpClient> SignedInAsync(string name, string password)
    {
        var client = Client();
        var token = await AntiforgeryAsync(client, "/signin");
        var response = await client.PostAsync("/signin/local", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = name, ["password"] = password, ["returnUrl"] = "/", ["__dxmig_af"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in as {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return client;
    }

    /// <summary>The antiforgery token of a page's form.</summary>
    public static async Task<string> AntiforgeryAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token on " + page);
    }

    [GeneratedRegex("name=\"__dxmig_af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (serve is not null)
        {
            await serve.WaitAsync(TimeSpan.FromSeconds(60));
        }

        stop.Dispose();
        Output.Dispose();
        Error.Dispose();
        Certificate.Dispose();
        Folder.Dispose();
    }
}

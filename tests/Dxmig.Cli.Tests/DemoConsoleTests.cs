using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dxmig.Cli.Console;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig demo --console</c> in-process: the demo runs as it always does, then serves the operator console on loopback
/// with a demo sign-in until stopped (Ctrl+C, as a person would).
/// </summary>
public sealed partial class DemoConsoleTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(15);

    private readonly CliHarness cli = new();

    private string Home => Path.Combine(cli.Folder, "home");

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task DemoConsole_AfterTheDemo_ServesItsJobsToTheDemoSignIn_UntilStopped_PasswordInNoLog()
    {
        cli.Environment["DXMIG_HOME"] = Home;
        cli.Environment["DXMIG_REPO"] = RepoPaths.Root;
        using var output = new LockedWriter();
        using var error = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var io = new CliIo(output, error, interactive: false, cli.Workspace.Variable, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        var demo = Task.Run(() => CliApp.RunAsync(["demo", "--console"], io, () => stop.Token, Demo.DemoCommand.Create));

        var deadline = DateTime.UtcNow + DemoTimeout;
        while (!output.ToString().Contains("Ctrl+C to stop", StringComparison.Ordinal) && !demo.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        var text = output.ToString();
        log.WriteLine($"demo until the console answered: {clock.Elapsed.TotalSeconds:0.0} s");
        demo.IsCompleted.Should().BeFalse($"the demo serves the console until stopped:\n{text}\n{error}");
        text.Should().Contain("demo complete: address book and mail, nothing lost, nothing doubled", "the demo ran as it always does first");
        var url = UrlLine().Match(text);
        var password = PasswordLine().Match(text);
        url.Success.Should().BeTrue(text);
        password.Success.Should().BeTrue(text);
        var secret = password.Groups[1].Value;
        secret.Length.Should().BeGreaterThanOrEqualTo(16);
        SecretScan.Register(secret);
        text.Should().Contain("user name: demo").And.Contain("Ctrl+C で終了 / Ctrl+C to stop");
        var address = new Uri(url.Groups[1].Value);
        address.Host.Should().Be("127.0.0.1");

        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        {
            (await anonymous.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "nobody is signed in");
        }

        using (var wrong = await SignInAsync(address, "demo", secret + "x"))
        {
            wrong.Response.StatusCode.Should().NotBe(HttpStatusCode.Redirect, "a wrong password does not sign in");
        }

        using var signedIn = await SignInAsync(address, "demo", secret);
        signedIn.Response.StatusCode.Should().Be(HttpStatusCode.Redirect, await signedIn.Response.Content.ReadAsStringAsync());
        var overview = await signedIn.Client.GetStringAsync("/");
        foreach (var job in new[] { "demo-addressbook", "demo-mail", "demo-mail-graph", "demo-mail-exo-imap" })
        {
            var run = Regex.Match(overview, $"href=\"(/jobs/{job}/runs/[^\"]+)\"");
            run.Success.Should().BeTrue($"the overview shows {job} with its last run:\n{overview}");
            var page = await signedIn.Client.GetAsync(WebUtility.HtmlDecode(run.Groups[1].Value));
            page.StatusCode.Should().Be(HttpStatusCode.OK, $"{job}'s last run has a page");
        }

        // "Run now" runs the address book again (its files are the demo folder's), as the terminal says.
        var before = LastRun(overview, "demo-addressbook");
        var jobPage = await signedIn.Client.GetStringAsync("/jobs/demo-addressbook");
        var runToken = TokenField().Match(jobPage);
        runToken.Success.Should().BeTrue(jobPage);
        using (var run = await signedIn.Client.PostAsync("/jobs/demo-addressbook/run", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__dxmig_af"] = WebUtility.HtmlDecode(runToken.Groups[1].Value),
        })))
        {
            run.StatusCode.Should().Be(HttpStatusCode.Redirect, await run.Content.ReadAsStringAsync());
        }

        var after = before;
        for (var i = 0; i < 120 && after == before; i++)
        {
            await Task.Delay(500);
            after = LastRun(await signedIn.Client.GetStringAsync("/"), "demo-addressbook");
        }

        after.Should().NotBe(before, "the run started from the console shows as the last run");

        Directory.EnumerateFiles(Path.Combine(Home, "demo", "console", "jobs"), "*.yaml")
            .Select(File.ReadAllText).Should().OnlyContain(y => !Regex.IsMatch(y, "^schedule:", RegexOptions.Multiline), "nothing fires by itself");

        clock.Restart();
        await stop.CancelAsync();
        var code = await demo.WaitAsync(TimeSpan.FromSeconds(60));
        log.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:0.0} s");

        code.Should().Be(ExitCodes.Success, output.ToString() + error);
        output.ToString().Should().Contain("the operator console is stopped");
        error.ToString().Should().NotContain(secret);
        Regex.Matches(output.ToString(), Regex.Escape(secret)).Should().HaveCount(1, "the password is shown once");
        var written = Directory.EnumerateFiles(Home, "*", SearchOption.AllDirectories).ToList();
        written.Should().Contain(f => f.EndsWith(".log", StringComparison.Ordinal) || f.EndsWith(".jsonl", StringComparison.Ordinal), "the demo's runs wrote logs");
        var needle = Encoding.UTF8.GetBytes(secret);
        written.Where(f => new FileInfo(f).Length < 64L * 1024 * 1024)
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .Should().BeEmpty("the demo password reaches no file (logs, ledgers, the accounts file holds only its hash)");
        Directory.EnumerateFileSystemEntries(Path.Combine(Home, "demo", "sandbox")).Should().BeEmpty("the sandbox servers are stopped");
    }

    [Fact]
    public void WithoutSchedule_DropsTheScheduleBlockOnly()
    {
        const string Job = "name: x\nkind: mail\nschedule:\n  cron: \"0 0 2 * * ?\"\n  window: 22:00-06:00\n\n# kept\nsource:\n  type: imap\n";

        Demo.DemoConsole.WithoutSchedule(Job).Should().Be("name: x\nkind: mail\n# kept\nsource:\n  type: imap\n");
        Demo.DemoConsole.WithoutSchedule("name: x\n").Should().Be("name: x\n");
    }

    private static string LastRun(string overview, string job) =>
        Regex.Match(overview, $"href=\"/jobs/{job}/runs/([^\"]+)\"").Groups[1].Value;

    private static async Task<SignIn> SignInAsync(Uri address, string name, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };
        var form = await client.GetStringAsync("/signin");
        var token = TokenField().Match(form);
        token.Success.Should().BeTrue(form);
        var response = await client.PostAsync("/signin/local", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = name, ["password"] = password, ["returnUrl"] = "/", ["__dxmig_af"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }));
        return new SignIn(client, response);
    }

    [GeneratedRegex(@"the operator console is open: (http://\S+)")]
    private static partial Regex UrlLine();

    [GeneratedRegex(@"パスワード / password: (\S+)")]
    private static partial Regex PasswordLine();

    [GeneratedRegex("name=\"__dxmig_af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    private sealed record SignIn(HttpClient Client, HttpResponseMessage Response) : IDisposable
    {
        public void Dispose()
        {
            Response.Dispose();
            Client.Dispose();
        }
    }

    /// <summary>A string writer the demo writes to while the test reads it.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock gate = new();

        public override void Write(char value)
        {
            lock (gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override string ToString()
        {
            lock (gate)
            {
                return base.ToString();
            }
        }
    }
}

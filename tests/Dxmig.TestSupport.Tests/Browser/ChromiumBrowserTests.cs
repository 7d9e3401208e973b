using System.Buffers.Binary;
using System.Diagnostics;
using Dxmig.TestSupport.Browser;

namespace Dxmig.TestSupport.Tests.Browser;

/// <summary>One Chromium and two sites for the whole class: the browser accepts the first site's self-signed certificate
/// (by its SPKI hash) and nothing else, so the second site, with another self-signed certificate, must be refused.</summary>
public sealed class ChromiumBrowserFixture : IAsyncLifetime
{
    public BrowserTestSite Site { get; private set; } = null!;

    public BrowserTestSite OtherSite { get; private set; } = null!;

    public ChromiumBrowser Browser { get; private set; } = null!;

    public string Screenshots { get; } = Path.Combine(Path.GetTempPath(), $"dxmig-shots-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Site = await BrowserTestSite.StartAsync();
        OtherSite = await BrowserTestSite.StartAsync();
        Browser = await ChromiumBrowser.LaunchAsync(new BrowserOptions { AcceptedCertificates = [Site.Certificate], ScreenshotFolder = Screenshots });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Site.DisposeAsync();
        await OtherSite.DisposeAsync();
        if (Directory.Exists(Screenshots))
        {
            Directory.Delete(Screenshots, recursive: true);
        }
    }
}

public sealed class ChromiumBrowserTests(ChromiumBrowserFixture fixture) : IClassFixture<ChromiumBrowserFixture>
{
    private BrowserTestSite Site => fixture.Site;

    [Fact]
    public async Task FormPost_RedirectsWithCookies_FlagsAndValueReadBack()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        (await page.GotoAsync(Site.At("/")))!.Status.Should().Be(200);
        await page.FillAsync("#user", "山田 太郎");
        await page.FillAsync("#role", "operator");

        var response = await page.ClickAndWaitForNavigationAsync("#go");

        response!.Status.Should().Be(200, "the 302 after the post is followed to the page that shows");
        page.Url.Should().Be(Site.At("/welcome"));
        (await page.TextAsync("#who")).Should().Be("山田 太郎|operator", "the form's fields reached the server and its cookie came back");
        var cookies = await page.CookiesAsync();
        var session = cookies.Should().ContainSingle(c => c.Name == "dxmig-session").Subject;
        (session.Secure, session.HttpOnly, session.SameSite, session.Expires).Should().Be((true, true, "Strict", (DateTimeOffset?)null));
        var theme = cookies.Should().ContainSingle(c => c.Name == "dxmig-theme").Subject;
        (theme.Secure, theme.HttpOnly, theme.SameSite, theme.Value).Should().Be((false, false, "Lax", "dark"));
        theme.Expires.Should().BeCloseTo(DateTimeOffset.UtcNow.AddDays(1), TimeSpan.FromMinutes(5));
        (await page.EvaluateAsync<string>("document.cookie")).Should().Be("dxmig-theme=dark", "an HttpOnly cookie is invisible to the page's script");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task NewPage_HasItsOwnCookies_AndClearingForgetsThem()
    {
        await using var first = await fixture.Browser.NewPageAsync();
        await first.GotoAsync(Site.At("/"));
        await first.TypeAsync("#user", "a");
        await first.TypeAsync("#user", "b");
        (await first.WaitForNavigationAsync(() => first.PressAsync("Enter")))!.Url.Should().Be(Site.At("/welcome"), "Enter submits the form");
        (await first.TextAsync("#who")).Should().Be("ab|viewer", "typing adds at the caret");
        var reloaded = await first.ReloadAsync();
        (reloaded!.Status, reloaded.Url).Should().Be((200, Site.At("/welcome")));
        await using var second = await fixture.Browser.NewPageAsync();
        await second.GotoAsync(Site.At("/welcome"));

        (await second.TextAsync("#who")).Should().Be("(none)", "each page is its own browser context");
        await first.ClearCookiesAsync();
        (await first.CookiesAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task ServerSentEvents_TextChanges_WaitForFunctionSeesIt()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/live"));

        await page.WaitForFunctionAsync("document.getElementById('tick').textContent === 'tick 3'", TimeSpan.FromSeconds(10));
        await page.WaitForFunctionAsync("Number(document.getElementById('tick').textContent.split(' ')[1]) >= 5", TimeSpan.FromSeconds(10));

        var act = () => page.WaitForFunctionAsync("document.getElementById('tick').textContent === 'never'", TimeSpan.FromMilliseconds(300));
        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("never");
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task ScriptError_ConsoleErrorAndUncaughtException_Collected()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/script-error"));
        await page.WaitForFunctionAsync("true");

        page.Problems.Should().Contain(p => p.Kind == BrowserProblemKind.ConsoleError && p.Text.Contains("deliberate console error"));
        page.Problems.Should().Contain(p => p.Kind == BrowserProblemKind.UncaughtException && p.Text.Contains("notDefinedAnywhere"));
        page.ClearProblems();
        page.Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task CspViolation_Collected_WhileACleanPageUnderCspHasNoProblem()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/clean"));
        (await page.TextAsync("#ready")).Should().Be("yes", "the nonce'd script runs");
        page.Problems.Should().BeEmpty("a log line and a warning are not errors");

        await page.GotoAsync(Site.At("/csp"));
        await page.WaitForFunctionAsync("true");

        (await page.TextAsync("#p")).Should().Be("csp", "the inline script was blocked");
        page.Problems.Should().Contain(p => p.Kind == BrowserProblemKind.ContentSecurityPolicy && p.Text.Contains("script-src"));
        page.LastResponse!.Header("content-security-policy").Should().Contain("script-src 'self'");
    }

    [Fact]
    public async Task ErrorStatus_WithAndWithoutBody_IsTheResponse()
    {
        await using var page = await fixture.Browser.NewPageAsync();

        (await page.GotoAsync(Site.At("/forbidden")))!.Status.Should().Be(403);
        (await page.TextAsync("#denied")).Should().StartWith("権限がありません");
        (await page.GotoAsync(Site.At("/forbidden-empty")))!.Status.Should().Be(403, "an empty body (ASP.NET's Forbid) is a response all the same");
        page.LastResponse!.Status.Should().Be(403);
        page.Url.Should().Be(Site.At("/forbidden-empty"), "the address asked for, not Chromium's error page");
        (await page.GotoAsync(Site.At("/unauthorized-empty")))!.Status.Should().Be(401);
        page.Problems.Should().BeEmpty("the page's own status is the response, not a problem of the page");

        (await page.GotoAsync(Site.At("/missing-script")))!.Status.Should().Be(200);
        page.LastResponse!.Url.Should().Be(Site.At("/missing-script"));
        page.Problems.Should().ContainSingle().Which.Should().Match<BrowserProblem>(p => p.Kind == BrowserProblemKind.FailedResource && p.Text.Contains("404"));
    }

    [Fact]
    public async Task Screenshot_WholeTallPageAtTabletWidth_IsAPng()
    {
        await using var page = await fixture.Browser.NewPageAsync(BrowserViewport.Tablet);
        await page.GotoAsync(Site.At("/tall"));

        var path = await page.ScreenshotAsync("tall page");

        path.Should().Be(Path.Combine(fixture.Screenshots, "tall page.png"));
        var png = await File.ReadAllBytesAsync(path);
        png.AsSpan(0, 8).ToArray().Should().Equal(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)).Should().Be(820, "the tablet's width");
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)).Should().BeGreaterThan(3000, "the whole page, not the 1180-pixel viewport");
        (await page.EvaluateAsync<int>("innerWidth")).Should().Be(820);

        await page.SetViewportAsync(BrowserViewport.Laptop);
        (await page.EvaluateAsync<int[]>("[innerWidth, innerHeight]")).Should().Equal(1366, 900);
    }

    [Fact]
    public async Task CertificateNotAccepted_NavigationRefused()
    {
        await using var page = await fixture.Browser.NewPageAsync();

        var act = () => page.GotoAsync(fixture.OtherSite.At("/"));

        (await act.Should().ThrowAsync<BrowserNavigationException>()).Which.Message.Should().Contain("ERR_CERT");
        (await page.GotoAsync(Site.At("/")))!.Status.Should().Be(200, "the accepted certificate still opens");
    }

    [Fact]
    public async Task ConfirmDialog_AnsweredAsTold_AndKept()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/confirm"));

        await page.ClickAsync("#delete");
        await page.WaitForFunctionAsync("document.getElementById('answer').textContent !== '-'");
        (await page.TextAsync("#answer")).Should().Be("yes");
        page.AcceptDialogs = false;
        await page.ClickAsync("#delete");
        await page.WaitForFunctionAsync("document.getElementById('answer').textContent === 'no'");

        page.Dialogs.Should().Equal("confirm: 3 件を削除しますか? / delete 3 items?", "confirm: 3 件を削除しますか? / delete 3 items?");
    }

    [Fact]
    public async Task Click_OnACoveredButton_IsRefused()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/covered"));
        (await page.ExistsAsync("#under")).Should().BeTrue();
        (await page.ExistsAsync("#nothing")).Should().BeFalse();

        var act = () => page.ClickAsync("#under", TimeSpan.FromMilliseconds(500));

        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("covered by");
        (await page.EvaluateAsync<string>("document.title")).Should().Be("t");
    }

    [Fact]
    public async Task Evaluate_ThrowingScript_IsAScriptException_AndLanguagesAreJapaneseFirst()
    {
        await using var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(Site.At("/welcome"));

        var act = () => page.EvaluateAsync<int>("(() => { throw new Error('boom'); })()");

        (await act.Should().ThrowAsync<BrowserScriptException>()).Which.Message.Should().Contain("boom");
        (await page.EvaluateAsync<string>("navigator.language")).Should().Be("ja-JP");
        Site.LastAcceptLanguage.Should().StartWith("ja-JP,ja");
        (await page.EvaluateAsync<string>("Intl.DateTimeFormat().resolvedOptions().timeZone")).Should().Be("Asia/Tokyo");
        (await page.EvaluateAsync<int>("Promise.resolve(41).then(x => x + 1)")).Should().Be(42);
        var metrics = await page.SendDevToolsAsync("Page.getLayoutMetrics");
        metrics["cssLayoutViewport"]!["clientWidth"]!.GetValue<int>().Should().Be(1366);
    }
}

/// <summary>Launch and teardown on their own: several browsers at once, and nothing left behind.</summary>
public sealed class ChromiumBrowserLifetimeTests
{
    [Fact]
    public async Task TwoBrowsersAtOnce_SeparateProfiles_DisposeKillsAndDeletes()
    {
        var launches = await Task.WhenAll(ChromiumBrowser.LaunchAsync(), ChromiumBrowser.LaunchAsync());
        var (a, b) = (launches[0], launches[1]);
        a.ProfileFolder.Should().NotBe(b.ProfileFolder);
        a.Version.Should().Contain("Chrome");
        await using (var page = await b.NewPageAsync())
        {
            await page.GotoAsync("data:text/html,<p id=x>b</p>");
            (await page.TextAsync("#x")).Should().Be("b");
        }

        var (pid, profile) = (a.ProcessId, a.ProfileFolder);
        await a.DisposeAsync();

        Directory.Exists(profile).Should().BeFalse();
        Exited(pid).Should().BeTrue();
        await using var again = await b.NewPageAsync();
        await again.GotoAsync("data:text/html,<p id=x>still</p>");
        (await again.TextAsync("#x")).Should().Be("still", "disposing one browser leaves the other running");
        await b.DisposeAsync();
        Directory.Exists(b.ProfileFolder).Should().BeFalse();
    }

    [Fact]
    public async Task TestProcessGone_BrowserEndsByItself()
    {
        using var stand_in = Process.Start("sleep", "120");
        await using var browser = await ChromiumBrowser.LaunchAsync(new BrowserOptions { WatchedProcessId = stand_in.Id });
        await using (var page = await browser.NewPageAsync())
        {
            await page.GotoAsync("data:text/html,<p id=x>up</p>");
        }

        Exited(browser.ProcessId).Should().BeFalse();
        stand_in.Kill();
        var until = DateTime.UtcNow.AddSeconds(15);
        while ((!Exited(browser.ProcessId) || Chromiums(browser.ProfileFolder).Count > 0) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        Exited(browser.ProcessId).Should().BeTrue("the watchdog ends Chromium once the process it watches is gone");
        Chromiums(browser.ProfileFolder).Should().BeEmpty("Chromium's helpers end with it");
    }

    [Fact]
    public void SpkiHash_MatchesOpenSsl()
    {
        using var certificate = TestCertificates.SelfSigned("127.0.0.1");
        using var folder = new TempFolder();
        var pem = TestCertificates.WritePem(certificate, folder.File("c.pem"));
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"openssl x509 -in '{pem}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64");
        using var openssl = Process.Start(info)!;
        var expected = openssl.StandardOutput.ReadToEnd().Trim();
        openssl.WaitForExit();

        expected.Should().HaveLength(44);
        ChromiumBrowser.SpkiHash(certificate).Should().Be(expected);
    }

    private static List<int> Chromiums(string profile) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Cmdline(pid).Contains(profile, StringComparison.Ordinal))];

    private static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static bool Exited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}

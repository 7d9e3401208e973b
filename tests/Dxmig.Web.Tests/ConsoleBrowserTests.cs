using System.Globalization;
using System.Text;
using Dxmig.Cli.Console;
using Dxmig.GraphEmulator;
using Dxmig.GraphEmulator.Identity;
using Dxmig.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Browser;
using Dxmig.TestSupport.Jobs;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Web.Tests;

/// <summary>One Chromium and one Graph emulator (with its Entra ID sign-in) for the console's browser tests.</summary>
public sealed class ConsoleBrowserFixture : IAsyncLifetime
{
    public const string ClientId = "8d1b5c2e-console-dxmig-test";
    public const string ClientSecret = "console-client-secret-Wq3!x9";
    public const string OperatorUser = "sousa.taro@pref.example.jp";
    public const string ViewerUser = "etsuran.hanako@pref.example.jp";
    public const string NoRoleUser = "kankei.nashi@pref.example.jp";
    public const string Password = "Entra-Pw-7s!kT2-console";

    public GraphEmulator.GraphEmulator Emulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SecretScan.Register(ClientSecret);
        SecretScan.Register(Password);
        Emulator = await GraphEmulator.GraphEmulator.StartAsync(new GraphEmulatorOptions
        {
            SignInUsers =
            [
                new SignInUser { UserName = OperatorUser, Password = Password, DisplayName = "操作 太郎", AppRoles = Roles(Web.Auth.ConsoleRoles.OperatorAppRole) },
                new SignInUser { UserName = ViewerUser, Password = Password, DisplayName = "閲覧 花子", AppRoles = Roles(Web.Auth.ConsoleRoles.ViewerAppRole) },
                new SignInUser { UserName = NoRoleUser, Password = Password, DisplayName = "関係 なし" },
            ],
        }, CancellationToken.None);
    }

    private static Dictionary<string, IReadOnlyList<string>> Roles(string role) => new() { [ClientId] = [role] };

    /// <summary>The variables that make a console sign people in through this emulator.</summary>
    public Dictionary<string, string> EntraEnvironment() => new()
    {
        ["DXMIG_CONSOLE_TENANT"] = Emulator.TenantId,
        ["DXMIG_CONSOLE_CLIENT_ID"] = ClientId,
        ["DXMIG_CONSOLE_CLIENT_SECRET"] = ClientSecret,
        ["DXMIG_CONSOLE_AUTHORITY"] = Emulator.Authority(),
        ["DXMIG_CONSOLE_AUTHORITY_CERTIFICATE_SHA256"] = Emulator.CertificateSha256,
    };

    /// <summary>Registers the console (its redirect URIs hold the port it got) as the emulator's web app.</summary>
    public void Register(ConsoleHarness console) => Emulator.AddWebApp(new EntraWebApp
    {
        ClientId = ClientId,
        DisplayName = "dxmig 操作コンソール",
        ClientSecret = ClientSecret,
        RedirectUris = [new Uri(console.Address, "/signin-oidc").AbsoluteUri, new Uri(console.Address, "/signout-callback-oidc").AbsoluteUri],
    });

    public async Task<ChromiumBrowser> BrowserAsync(ConsoleHarness console) =>
        await ChromiumBrowser.LaunchAsync(new BrowserOptions { AcceptedCertificates = [console.Certificate, Emulator.Certificate] });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}

/// <summary>
/// The console in real headless Chromium, signed in through the emulator's Entra ID: pages, roles, the held-back
/// deletion confirmed and carried out, the quarantine searched among 200,000 rows; no script error or CSP violation
/// anywhere; screenshots of every page kept as test artefacts (<see cref="BrowserArtifacts"/>).
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    private const string Job = "test-addressbook";

    [Fact]
    public async Task Operator_SignsInWithEntra_SeesEveryPage_CookiesAreSafe_NoScriptErrors()
    {
        using var workspace = new JobWorkspace();
        workspace.JobFile(extra: """
            schedule:
              cron: "0 0 20 ? * *"
              calendar: working-days
              window: "20:00-06:00"
            """);
        await using var console = await ConsoleHarness.StartAsync(environment: fixture.EntraEnvironment(), jobsFolder: Path.Combine(workspace.Folder, "jobs"));
        fixture.Register(console);
        await using var browser = await fixture.BrowserAsync(console);
        await using var page = await browser.NewPageAsync();

        var first = await page.GotoAsync(console.Address);
        first!.Status.Should().Be(401, "nobody is signed in");
        (await page.ExistsAsync("#jobs")).Should().BeFalse("an anonymous visitor sees no data");
        await SignInWithEntraAsync(page, ConsoleBrowserFixture.OperatorUser);

        (await page.TextAsync("#role")).Should().Contain("operator");
        (await page.TextAsync("#who")).Should().Be(ConsoleBrowserFixture.OperatorUser);
        (await page.TextAsync("#jobs")).Should().Contain(Job).And.Contain("addressbook").And.Contain("スキップ / skipped");
        var cookie = (await page.CookiesAsync()).Single(c => c.Name == "__Host-dxmig");
        cookie.Secure.Should().BeTrue();
        cookie.HttpOnly.Should().BeTrue();
        cookie.SameSite.Should().Be("Lax");
        (await page.EvaluateAsync<bool>("document.cookie.includes('dxmig')")).Should().BeFalse("script cannot read the session");
        await page.ScreenshotAsync("console-overview");

        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        (await page.ExistsAsync("#run-now")).Should().BeTrue("an operator can run the job");
        await page.ScreenshotAsync("console-job");
        // The plan view: what `dxmig plan` prints for the job (one account of 30 contacts in the exports).
        Contacts(workspace.Exports, "tanaka", Enumerable.Range(0, 30));
        (await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}/plan")))!.Status.Should().Be(200);
        (await page.TextAsync("#plan")).Should().Contain("実行時間帯 / run windows").And.Contain("必要な窓 / windows needed");
        await page.ScreenshotAsync("console-plan");
        await page.GotoAsync(new Uri(console.Address, "/calendar?year=2027"));
        (await page.TextAsync("#closed-days")).Should().Contain("2027-01-01").And.Contain("元日");
        (await page.TextAsync("#windows")).Should().Contain("20:00");
        await page.ScreenshotAsync("console-calendar");
        await page.GotoAsync(new Uri(console.Address, "/audit"));
        (await page.TextAsync("#audit")).Should().Contain(ConsoleBrowserFixture.OperatorUser).And.Contain("signin").And.Contain("entra");
        await page.ScreenshotAsync("console-audit");

        // On a tablet held upright the overview fits its width.
        await page.SetViewportAsync(BrowserViewport.Tablet);
        await page.GotoAsync(console.Address);
        (await page.EvaluateAsync<double>("document.documentElement.scrollWidth - window.innerWidth")).Should().BeLessThanOrEqualTo(0);
        await page.ScreenshotAsync("console-overview-tablet");

        page.Problems.Should().BeEmpty("no page may have a script error or a CSP violation");
        console.Output.ToString().Should().NotContain(ConsoleBrowserFixture.ClientSecret);
    }

    [Fact]
    public async Task Viewer_SeesNoActions_AndIsRefusedWhenPostingOne_NoRoleSeesNothing()
    {
        using var workspace = new JobWorkspace();
        workspace.JobFile();
        await using var console = await ConsoleHarness.StartAsync(environment: fixture.EntraEnvironment(), jobsFolder: Path.Combine(workspace.Folder, "jobs"));
        fixture.Register(console);
        await using var browser = await fixture.BrowserAsync(console);
        await using var page = await browser.NewPageAsync();

        await page.GotoAsync(console.Address);
        await SignInWithEntraAsync(page, ConsoleBrowserFixture.ViewerUser);
        (await page.TextAsync("#role")).Should().Contain("viewer");
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        (await page.ExistsAsync("#actions")).Should().BeFalse("a viewer is shown no actions");
        (await page.ExistsAsync("#run-now")).Should().BeFalse();
        await page.ScreenshotAsync("console-job-viewer");

        // Posting the action anyway (with the page's own antiforgery token of the sign-out form): refused.
        var status = await page.EvaluateAsync<int>(
            $"(async () => {{ const f = new FormData(document.querySelector('form.who')); const r = await fetch('/jobs/{Job}/run', {{ method: 'POST', body: new URLSearchParams(f) }}); return r.status; }})()");
        status.Should().Be(403);
        page.Problems.Where(p => !p.Text.Contains("403", StringComparison.Ordinal)).Should().BeEmpty();

        // Signed in as somebody with no role: every page is refused.
        await page.ClearCookiesAsync();
        await page.GotoAsync(console.Address);
        await SignInWithEntraAsync(page, ConsoleBrowserFixture.NoRoleUser, expectOverview: false);
        page.LastResponse!.Status.Should().Be(403);
        (await page.ExistsAsync("#jobs")).Should().BeFalse();
    }

    [Fact]
    public async Task Operator_ConfirmsHeldBackDeletions_NextRunCarriesThemOut_AuditShowsIt_QuarantineSearchFindsOneAmong200000()
    {
        using var workspace = new JobWorkspace();
        var job = workspace.JobFile();
        File.WriteAllText(job, File.ReadAllText(job).Replace("  store: ../state/platform.db", "  store: ../state/platform.db\n  delete-threshold: 3", StringComparison.Ordinal));
        Contacts(workspace.Exports, "tanaka", Enumerable.Range(0, 10));
        Contacts(workspace.Exports, "suzuki", Enumerable.Range(0, 10));
        (await RunAsync(workspace, job)).Should().Be(0);
        Contacts(workspace.Exports, "tanaka", Enumerable.Range(2, 8));
        Contacts(workspace.Exports, "suzuki", Enumerable.Range(0, 8));
        (await RunAsync(workspace, job)).Should().Be(1, "four removals over the threshold of three are held back");
        var ledgerLocation = StoreLocation.Parse(workspace.Ledger, "/");
        string heldRun;
        await using (var ledger = await JobLedger.OpenAsync(ledgerLocation, TimeProvider.System, CancellationToken.None))
        {
            heldRun = (await ledger.RecentRunsAsync(Job, 1, CancellationToken.None))[0].RunId;
        }

        await PlantQuarantineAsync(ledgerLocation, heldRun, 200_000);

        await using var console = await ConsoleHarness.StartAsync(environment: fixture.EntraEnvironment(), jobsFolder: Path.Combine(workspace.Folder, "jobs"));
        fixture.Register(console);
        await using var browser = await fixture.BrowserAsync(console);
        await using var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        await SignInWithEntraAsync(page, ConsoleBrowserFixture.OperatorUser, expectOverview: false);
        await page.WaitForSelectorAsync("#confirm-count");
        (await page.TextAsync(".deletions .count")).Should().Be("4");
        (await page.TextAsync(".deletions")).Should().Contain("tanaka/髙橋 00郎");
        await page.ScreenshotAsync("console-deletions");

        // The wrong count is refused; the right one confirms.
        await page.FillAsync("#confirm-count", "3");
        var refused = await page.ClickAndWaitForNavigationAsync("#confirm-deletions");
        refused!.Status.Should().Be(409);
        (await page.TextAsync("#problem")).Should().Contain("4");
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        await page.FillAsync("#confirm-count", "4");
        await page.ClickAndWaitForNavigationAsync("#confirm-deletions");
        (await page.TextAsync("#notice")).Should().Contain("次の実行で削除されます");

        // Run now: the scheduler host runs the job; it removes exactly the four confirmed.
        await page.ClickAndWaitForNavigationAsync("#run-now");
        (await page.TextAsync("#notice")).Should().Contain("実行を依頼しました");
        var removed = await WaitForRunAsync(ledgerLocation, heldRun);
        removed.Removed.Should().Be(4);
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        (await page.TextAsync(".deletions")).Should().Contain("削除済み / carried out by run " + removed.RunId);

        await page.GotoAsync(new Uri(console.Address, "/audit"));
        var audit = await page.TextAsync("#audit");
        audit.Should().Contain("confirm-deletions").And.Contain("refused").And.Contain("run-now").And.Contain(heldRun).And.Contain(ConsoleBrowserFixture.OperatorUser);
        await page.ScreenshotAsync("console-audit-after-confirm");

        // The quarantine: one planted row among 200,000, found by the ledger's search, one page at a time.
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}/runs/{heldRun}"));
        (await page.TextAsync("#page")).Should().Contain("100,000 件以上", "counting 200,001 rows stops at the cap: the page says so");
        await page.FillAsync("#q", "Kirin-8837");
        await page.ClickAndWaitForNavigationAsync("#search button");
        (await page.CountAsync("#quarantine tbody tr")).Should().Be(1);
        (await page.TextAsync("#quarantine")).Should().Contain("9:8837-planted").And.Contain("dkim-broken");
        await page.ScreenshotAsync("console-run-quarantine-search");
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}/runs/{heldRun}?page=2"));
        (await page.CountAsync("#quarantine tbody tr")).Should().Be(50);
        await page.ScreenshotAsync("console-run");

        // The run's reconciliation report, served in place with its own CSP (its inline script runs, nothing else).
        if (await page.ExistsAsync("#report-link"))
        {
            var report = await page.ClickAndWaitForNavigationAsync("#report-link");
            report!.Status.Should().Be(200);
            report.Header("content-security-policy").Should().Contain("script-src 'unsafe-inline'").And.Contain("frame-ancestors 'none'");
            (await page.EvaluateAsync<string>("document.title")).Should().NotBeNullOrEmpty();
            await page.ScreenshotAsync("console-run-report");
        }

        // No path out of the report's folder.
        (await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}/runs/{heldRun}/report/..%2F..%2F..%2Fstate%2Fledger.db")))!.Status.Should().Be(404);

        page.Problems.Where(p => !p.Text.Contains("409", StringComparison.Ordinal)).Should().BeEmpty();
    }

    /// <summary>Follows the console's sign-in link to the emulator's Entra ID page and back.</summary>
    private static async Task SignInWithEntraAsync(BrowserPage page, string user, bool expectOverview = true)
    {
        await page.ClickAndWaitForNavigationAsync("#signin-entra");
        await page.WaitForSelectorAsync("#username");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", ConsoleBrowserFixture.Password);
        await page.ClickAsync("#signin");
        await page.WaitForFunctionAsync("location.pathname !== '/signin/entra' && !location.pathname.includes('/login') && !location.pathname.includes('authorize') && document.readyState === 'complete' && document.querySelector('#who, #problem, h1') !== null", TimeSpan.FromSeconds(30));
        if (expectOverview)
        {
            await page.WaitForSelectorAsync("#jobs");
        }
    }

    private static void Contacts(string folder, string account, IEnumerable<int> contacts)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder("名前,ふりがな,メールアドレス,組織名,部署,電話1\r\n");
        foreach (var i in contacts)
        {
            text.Append(CultureInfo.InvariantCulture, $"髙橋 {i:00}郎,たかはし,c{i:00}.{account}@example.jp,㈱みらい,総務課,03-1234-56{i:00}\r\n");
        }

        File.WriteAllText(Path.Combine(folder, account + ".csv"), text.ToString(), new UTF8Encoding(true));
    }

    private static async Task<int> RunAsync(JobWorkspace workspace, string job)
    {
        using var output = new StringWriter();
        var io = new CliIo(output, output, interactive: false, workspace.Variable, TimeProvider.System);
        return await Cli.Console.CliJobConsole.RunJobAsync(io, new JobRunOptions(job), CancellationToken.None);
    }

    private static async Task<LedgerRun> WaitForRunAsync(StoreLocation location, string after)
    {
        await using var ledger = await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (await ledger.RecentRunsAsync(Job, 1, CancellationToken.None) is [var run] && run.RunId != after && run.EndedUtc is not null)
            {
                return run;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the console's run did not happen within 90 s");
    }

    /// <summary>Quarantined rows of the held run, in one statement, and one distinctive row among them.</summary>
    private static async Task PlantQuarantineAsync(StoreLocation location, string runId, int rows)
    {
        await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        const string Columns =
            "(\"Job\", \"System\", \"Account\", \"Container\", \"NativeId\", \"Version\", \"ContentHash\", \"Size\", \"State\", \"Code\", \"Message\", " +
            "\"Location\", \"TargetKey\", \"FirstRunId\", \"LastRunId\", \"Attempts\", \"CreatedUtc\", \"UpdatedUtc\")";
        var now = DateTime.UtcNow;
        await using (var bulk = connection.Command(
            $"INSERT INTO ledger_items {Columns} WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows) " +
            "SELECT @job, 'csv', 'user' || (i % 500), 'contacts', 'q:' || i, '1', 'h', 1000, 'Quarantined', 'bad-row', " +
            "'行 ' || i || ' を読めません / row cannot be read', NULL, NULL, @run, @run, 0, @now, @now FROM n",
            transaction, ("rows", rows), ("job", Job), ("run", runId), ("now", now)))
        {
            (await bulk.ExecuteNonQueryAsync()).Should().Be(rows);
        }

        await using (var one = connection.Command(
            $"INSERT INTO ledger_items {Columns} VALUES (@job, 'csv', 'kanri.honbu', 'contacts', '9:8837-planted', '1', 'h', 4242, 'Quarantined', " +
            "'dkim-broken', '配送エラー Kirin-8837 / delivery error', NULL, NULL, @run, @run, 0, @now, @now)",
            transaction, ("job", Job), ("run", runId), ("now", now)))
        {
            await one.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}

/// <summary>
/// A mail job (IMAP to IMAP between two private Dovecot servers, the source behind a slow link so the run lasts) run
/// from the console inside the scheduler host: the overview's live view moves, the operator stops the run after the
/// batch in hand, the audit log shows it, and the metrics endpoint counts what moved.
/// </summary>
public sealed class ConsoleLiveTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    private const string Job = "mail-imap-to-imap";

    [Fact]
    public async Task MailJobRunningInTheHost_ShowsProgressMoving_OperatorStopsIt_MetricsCountIt()
    {
        // About 27 s of transfer per account at this cap: long enough for the page steps of a loaded CI machine before the stop.
        await using var mail = await MailRunHarness.StartAsync(["aoki", "baba"], messages: 200);
        await using var slow = FaultProxy.Start(mail.Source.Host, mail.Source.Port, new FaultPlan { BytesPerSecond = 40_000 });
        mail.Workspace.Environment["DXMIG_SRC_PORT"] = slow.Port.ToString(CultureInfo.InvariantCulture);
        mail.JobVariant("mail-live", text => text);
        var environment = new Dictionary<string, string>(mail.Workspace.Environment);
        foreach (var (name, value) in fixture.EntraEnvironment())
        {
            environment[name] = value;
        }

        environment["DXMIG_CONSOLE_SCRAPE_TOKEN"] = "scrape-live-Hn4-metrics-token";
        await using var console = await ConsoleHarness.StartAsync(environment: environment, jobsFolder: Path.Combine(mail.Workspace.Folder, "jobs"));
        fixture.Register(console);
        await using var browser = await fixture.BrowserAsync(console);
        await using var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        await SignInAsync(page);
        await page.WaitForSelectorAsync("#run-now");
        await page.ClickAndWaitForNavigationAsync("#run-now");
        (await page.TextAsync("#notice")).Should().Contain("実行を依頼しました");

        // The overview's live view: the run appears and its item count rises while the page stays open.
        await page.GotoAsync(console.Address);
        await page.WaitForFunctionAsync($"(() => {{ const e = document.querySelector('.run[data-job=\"{Job}\"] .live-items'); return e && Number(e.textContent.replace(/,/g, '')) > 0; }})()", TimeSpan.FromSeconds(60));
        var first = await ItemsAsync(page);
        await page.WaitForFunctionAsync($"Number(document.querySelector('.run[data-job=\"{Job}\"] .live-items').textContent.replace(/,/g, '')) > {first}", TimeSpan.FromSeconds(30));
        var second = await ItemsAsync(page);
        second.Should().BeGreaterThan(first, "the live view moves without reloading the page");
        (await page.EvaluateAsync<string>("document.getElementById('live').dataset.updated || ''")).Should().NotBeEmpty("the script redrew it from the event stream");
        (await page.TextAsync("#live")).Should().Contain("aoki").And.Contain("console-node");
        await page.ScreenshotAsync("console-live");

        // Stop: the run ends after the batch in hand, recorded as stopped; nothing more is written.
        await page.GotoAsync(new Uri(console.Address, $"/jobs/{Job}"));
        await page.WaitForSelectorAsync("#stop");
        await page.ClickAndWaitForNavigationAsync("#stop");
        (await page.TextAsync("#notice")).Should().Contain("停止を依頼しました");
        var run = await WaitForEndAsync(mail.Workspace.Ledger);
        run.Outcome.Should().Be(RunOutcome.Stopped, console.Output.ToString());
        run.Loaded.Should().BeLessThan(400, "it stopped before the end");
        await page.GotoAsync(new Uri(console.Address, "/audit"));
        (await page.TextAsync("#audit")).Should().Contain("stop").And.Contain(run.RunId);

        // The metrics: what moved, by kind and outcome, as Prometheus reads it.
        using var scraper = console.Client();
        scraper.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "scrape-live-Hn4-metrics-token");
        var metrics = await scraper.GetStringAsync("/metrics");
        metrics.Should().Contain("dxmig_items").And.Contain("kind=\"mail\"").And.Contain("dxmig_runs");
        page.Problems.Should().BeEmpty();
    }

    private static async Task<long> ItemsAsync(BrowserPage page) =>
        long.Parse((await page.TextAsync($".run[data-job=\"{Job}\"] .live-items")).Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static async Task SignInAsync(BrowserPage page)
    {
        await page.ClickAndWaitForNavigationAsync("#signin-entra");
        await page.WaitForSelectorAsync("#username");
        await page.FillAsync("#username", ConsoleBrowserFixture.OperatorUser);
        await page.FillAsync("#password", ConsoleBrowserFixture.Password);
        await page.ClickAsync("#signin");
        await page.WaitForFunctionAsync("document.querySelector('#who') !== null", TimeSpan.FromSeconds(30));
    }

    private static async Task<LedgerRun> WaitForEndAsync(string ledgerPath)
    {
        await using var ledger = await JobLedger.OpenAsync(StoreLocation.Parse(ledgerPath, "/"), TimeProvider.System, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (await ledger.RecentRunsAsync(Job, 1, CancellationToken.None) is [{ EndedUtc: not null } run])
            {
                return run;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the run did not end within 120 s of the stop");
    }
}

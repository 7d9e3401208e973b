using System.Net;
using Dxmig.Web.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Dxmig.Web.Tests;

/// <summary>
/// Every route the console maps, enumerated from its own route table (a route added later is in it too): anonymous
/// requests get 401 (never data) except the sign-in endpoints; a viewer gets 403 from every action; every POST
/// carries the antiforgery check; health and metrics answer the scrape token.
/// </summary>
public sealed class RouteTableTests
{
    private const string RunId = "20261207T010203Z-0a1b2c3d";

    [Fact]
    public async Task EveryRoute_RefusesAnonymousAndViewerWhereItMust()
    {
        await using var console = await ConsoleHarness.StartAsync(
            jobs => File.WriteAllText(Path.Combine(jobs, "book.yaml"), "name: book\nkind: address-book\n"),
            new Dictionary<string, string> { ["DXMIG_CONSOLE_SCRAPE_TOKEN"] = "scrape-Tq9-metrics-token-xyz" });
        var web = WebConsoleOf(console);
        var routes = web.Routes;
        routes.Should().HaveCountGreaterThan(15, "the console maps its pages, actions, health and metrics");

        using var anonymous = console.Client();
        using var viewer = await console.SignedInAsync(ConsoleHarness.Viewer, ConsoleHarness.ViewerPassword);
        var checkedRoutes = 0;
        foreach (var route in routes)
        {
            var methods = route.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var path = Fill(route.RoutePattern.RawText!);
            foreach (var method in methods)
            {
                var key = $"{method} {route.RoutePattern.RawText}";
                var policies = route.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
                var anonymousAllowed = route.Metadata.GetMetadata<IAllowAnonymous>() is not null;
                anonymousAllowed.Should().Be(SignInEndpoints.Anonymous.Contains(key), $"{key}: only the sign-in endpoints answer anonymously");
                if (method == "POST")
                {
                    route.Metadata.GetMetadata<IAntiforgeryMetadata>()?.RequiresValidation.Should().BeTrue($"{key} must check an antiforgery token");
                    route.Metadata.GetMetadata<IAntiforgeryMetadata>().Should().NotBeNull($"{key} must check an antiforgery token");
                }

                using var asAnonymous = await SendAsync(anonymous, method, path);
                if (!anonymousAllowed)
                {
                    asAnonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{key} must not answer anonymously");
                    (await asAnonymous.Content.ReadAsStringAsync()).Should().NotContain("book.yaml");
                }

                using var asViewer = await SendAsync(viewer, method, path);
                if (policies.Contains(ConsoleRoles.OperatorPolicy))
                {
                    asViewer.StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{key} is for operators");
                }
                else if (!anonymousAllowed)
                {
                    asViewer.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized, $"{key} is for viewers").And.NotBe(HttpStatusCode.Forbidden, $"{key} is for viewers");
                }

                checkedRoutes++;
            }
        }

        checkedRoutes.Should().Be(routes.Sum(r => r.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Count ?? 1));

        // Health and metrics: the scrape token instead of a person; a wrong token is refused.
        using var scraper = console.Client();
        scraper.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "scrape-Tq9-metrics-token-xyz");
        (await scraper.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await scraper.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var metrics = await scraper.GetAsync("/metrics");
        metrics.StatusCode.Should().Be(HttpStatusCode.OK);
        (await metrics.Content.ReadAsStringAsync()).Should().Contain("service_name=\"dxmig\"").And.Contain("service_instance_id=\"console-node\"");
        (await scraper.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the scrape token opens health and metrics only");
        using var wrong = console.Client();
        wrong.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token-at-all");
        (await wrong.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LocalSignIn_WrongPasswordsLockTheName_AndCookiesAreSecureHttpOnlySameSite()
    {
        await using var console = await ConsoleHarness.StartAsync();
        using var client = console.Client();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var token = await ConsoleHarness.AntiforgeryAsync(client, "/signin");
            var refused = await client.PostAsync("/signin/local", Form(ConsoleHarness.Operator, "not-the-password-" + attempt, token));
            refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await refused.Content.ReadAsStringAsync()).Should().Contain("名前かパスワードが違います / wrong name or password");
        }

        var last = await client.PostAsync("/signin/local", Form(ConsoleHarness.Operator, ConsoleHarness.OperatorPassword, await ConsoleHarness.AntiforgeryAsync(client, "/signin")));
        last.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "five failures lock the name even for the right password");
        (await last.Content.ReadAsStringAsync()).Should().Contain("15 分間");

        // Another name signs in; its cookie is __Host-, Secure, HttpOnly, SameSite=Lax.
        using var viewer = console.Client();
        var form = Form(ConsoleHarness.Viewer, ConsoleHarness.ViewerPassword, await ConsoleHarness.AntiforgeryAsync(viewer, "/signin"));
        var signedIn = await viewer.PostAsync("/signin/local", form);
        signedIn.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-dxmig=", StringComparison.Ordinal));
        cookie.Should().Contain("secure").And.Contain("httponly").And.Contain("samesite=lax");

        // A form without its token is refused, even signed in.
        var forged = await viewer.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        // The audit log has the refusals, the lock and the sign-in, with where they came from.
        var audit = await viewer.GetStringAsync("/audit");
        audit.Should().Contain("refused").And.Contain("locked").And.Contain(">ok<").And.Contain("127.0.0.1");
        audit.Should().NotContain(ConsoleHarness.OperatorPassword);
    }

    [Fact]
    public void SettingsRefusePlainHttpOffLoopback_AndHttpsWithoutCertificate()
    {
        static WebConsoleSettings With(string url, string? certificate = null) => new()
        {
            Listen = new Uri(url), CertificatePath = certificate, LocalAccountsFile = "/dev/null", JobsDirectory = "/tmp",
            SchedulerStore = Dxmig.Platform.Storage.StoreLocation.Parse("/tmp/x.db", "/tmp"), ClosedDays = Dxmig.Platform.Scheduling.ClosedDayCalendar.Standard, Node = "n",
        };

        With("http://10.1.2.3:8080").Problems().Should().ContainSingle().Which.Should().Contain("HTTPS");
        With("https://10.1.2.3:8443").Problems().Should().ContainSingle().Which.Should().Contain("--console-certificate");
        With("http://127.0.0.1:8080").Problems().Should().BeEmpty();
        With("http://localhost:8080").Problems().Should().BeEmpty();
    }

    private static FormUrlEncodedContent Form(string name, string password, string token) => new(new Dictionary<string, string>
    {
        ["username"] = name, ["password"] = password, ["returnUrl"] = "/", ["__dxmig_af"] = token,
    });

    private static string Fill(string pattern) => pattern
        .Replace("{name}", "book", StringComparison.Ordinal)
        .Replace("{runId}", RunId, StringComparison.Ordinal)
        .Replace("{file}", "index.html", StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Accept.ParseAdd("text/html");
        if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["runId"] = RunId, ["count"] = "1" });
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // The live stream never ends: its headers are enough.
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
    }

    private static WebConsole WebConsoleOf(ConsoleHarness console) => console.Web ?? throw new InvalidOperationException("no console");
}

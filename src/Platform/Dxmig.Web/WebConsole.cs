using System.Net;
using System.Security.Cryptography.X509Certificates;
using Dxmig.Platform.Storage;
using Dxmig.Platform.Telemetry;
using Dxmig.Web.Actions;
using Dxmig.Web.Auth;
using Dxmig.Web.Data;
using Dxmig.Web.Live;
using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Dxmig.Web;

/// <summary>
/// The operator console: Kestrel on the address asked (HTTPS with the certificate named, plain HTTP only on loopback),
/// pages for the overview, a job, a run, the calendar, a plan and the audit log, a live event stream, the operator's
/// actions, health and Prometheus metrics. Every endpoint needs a signed-in viewer unless it is one of the sign-in
/// endpoints (<see cref="SignInEndpoints.Anonymous"/>); actions need an operator and an antiforgery token.
/// </summary>
public sealed class WebConsole : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebConsole(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>The address the console answers on (the real port when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>Every route the console maps, with its metadata (for the test that no route answers anonymously by mistake).</summary>
    public IReadOnlyList<RouteEndpoint> Routes =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];

    /// <summary>Starts the console; <paramref name="records"/> keeps the audit log and stop requests.</summary>
    /// <exception cref="Contracts.ConfigurationException">The settings cannot work (their problems in plain words).</exception>
    public static async Task<WebConsole> StartAsync(
        WebConsoleSettings settings, IConsoleScheduler scheduler, IConsoleRecords records, LiveRuns live, ILoggerFactory loggers, string keysFolder,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problems() is { Count: > 0 } problems)
        {
            throw new Contracts.ConfigurationException(string.Join(Environment.NewLine, problems));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "dxmig-console",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // The host's log (NLog) receives the console's lines; ASP.NET Core's own are kept to warnings (no line per
        // request on the scheduler's terminal), and the data-protection and antiforgery notices to errors.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggers));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Antiforgery", LogLevel.Error);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var certificate = settings.CertificatePath is { } path ? LoadCertificate(path, settings.CertificatePassword) : null;
            kestrel.Listen(ListenAddress(settings.Listen), settings.Listen.Port, listen =>
            {
                if (settings.Listen.Scheme == Uri.UriSchemeHttps && certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        var https = settings.Listen.Scheme == Uri.UriSchemeHttps;
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton<ConsoleData>();
        services.AddSingleton(live);
        services.AddSingleton(scheduler);
        services.AddSingleton(records);
        services.AddSingleton<LiveFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        if (settings.LocalAccountsFile is { } accounts)
        {
            services.AddSingleton(new LocalAccounts(accounts, settings.Time));
        }

        // The cookie keys: kept so a restart does not sign everybody out; readable by the service account only.
        Directory.CreateDirectory(keysFolder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keysFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        services.AddDataProtection().SetApplicationName("dxmig-console").PersistKeysToFileSystem(new DirectoryInfo(keysFolder));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = https ? "__Host-dxmig-af" : "dxmig-af";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__dxmig_af";
            o.HeaderName = null;
        });
        AuthSetup.AddConsoleAuth(services, settings);
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("dxmig", serviceInstanceId: settings.Node)).WithMetrics(m => m.AddMeter(DxmigMetrics.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        app.Use(SecurityHeaders.Apply);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(AntiforgeryCheck.CheckAsync);
        Map(app);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        return new WebConsole(app, new UriBuilder(settings.Listen) { Port = port, Path = "/" }.Uri);
    }

    private static void Map(WebApplication app)
    {
        SignInEndpoints.Map(app);
        ActionEndpoints.Map(app);
        app.MapGet("/", OverviewPage.WriteAsync);
        app.MapGet("/jobs/{name}", (HttpContext http, string name) => JobPage.WriteAsync(http, name));
        app.MapGet("/jobs/{name}/plan", (HttpContext http, string name) => PlanPage.WriteAsync(http, name));
        RunPage.Map(app);
        app.MapGet("/calendar", (HttpContext http, int? year) => CalendarPage.WriteAsync(http, year));
        app.MapGet("/audit", (HttpContext http, int? page) => AuditPage.WriteAsync(http, page));
        app.MapGet("/live", (HttpContext http, LiveFeed feed) => feed.StreamAsync(http));
        app.MapGet("/assets/console.css", (HttpContext http) => Assets.WriteAsync(http, "console.css", "text/css; charset=utf-8")).AllowAnonymous();
        app.MapGet("/assets/console.js", (HttpContext http) => Assets.WriteAsync(http, "console.js", "text/javascript; charset=utf-8"));
        app.MapGet("/healthz", () => Results.Text("ok\n", "text/plain; charset=utf-8")).RequireAuthorization(AuthSetup.ScrapePolicy);
        app.MapGet("/readyz", ReadyAsync).RequireAuthorization(AuthSetup.ScrapePolicy);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(AuthSetup.ScrapePolicy);
    }

    /// <summary>Ready when the scheduler's store answers and the jobs folder is there; otherwise 503 with the reason.</summary>
    private static async Task<IResult> ReadyAsync(HttpContext http, WebConsoleSettings settings)
    {
        if (!Directory.Exists(settings.JobsDirectory))
        {
            return Results.Text($"not ready: ジョブのフォルダーがありません / the jobs folder does not exist: {settings.JobsDirectory}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await using var connection = await StoreConnections.OpenAsync(settings.SchedulerStore, timeout.Token);
            return Results.Text("ready\n", "text/plain; charset=utf-8");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Results.Text($"not ready: スケジューラーの保存先に接続できません / the scheduler's store does not answer: {settings.SchedulerStore.Display}\n",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IPAddress ListenAddress(Uri listen)
    {
        var host = listen.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(host, out var address) ? address : IPAddress.Any;
    }

    /// <summary>A PFX/PKCS#12 file (with its password) or a PEM file holding the certificate and its key.</summary>
    private static X509Certificate2 LoadCertificate(string path, string? password) =>
        path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
            ? X509Certificate2.CreateFromPemFile(path)
            : X509CertificateLoader.LoadPkcs12FromFile(path, password);

    /// <summary>Hands the console's log lines to the host's logger factory.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory loggers) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => loggers.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dxmig.TestSupport.Tests.Browser;

/// <summary>
/// A tiny Kestrel site on loopback HTTPS with a self-signed certificate, with one page per thing the browser harness must
/// see: a sign-in form that posts, sets cookies and redirects; a live page fed by server-sent events; a script error; a
/// CSP violation; a clean page under a strict CSP; 401/403 answers with and without a body; a tall page to screenshot.
/// </summary>
public sealed class BrowserTestSite : IAsyncDisposable
{
    private readonly WebApplication app;

    private BrowserTestSite(WebApplication app, X509Certificate2 certificate, Uri root)
    {
        this.app = app;
        Certificate = certificate;
        Root = root;
    }

    public X509Certificate2 Certificate { get; }

    public Uri Root { get; }

    /// <summary>The Accept-Language of the last request (the browser's languages as the server sees them).</summary>
    public string? LastAcceptLanguage { get; private set; }

    public Uri At(string path) => new(Root, path);

    public static async Task<BrowserTestSite> StartAsync()
    {
        var certificate = TestCertificates.SelfSigned("127.0.0.1", "localhost");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        BrowserTestSite? site = null;
        app.Use(async (context, next) =>
        {
            if (site is not null)
            {
                site.LastAcceptLanguage = context.Request.Headers.AcceptLanguage.ToString();
            }

            await next(context);
        });
        Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        site = new BrowserTestSite(app, certificate, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
        return site;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Certificate.Dispose();
    }

    private static IResult Html(string body, int status = 200) =>
        Results.Content($"<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>t</title></head><body>{body}</body></html>", "text/html; charset=utf-8", Encoding.UTF8, status);

    private static void Map(WebApplication app)
    {
        app.MapGet("/", () => Html("<form method=\"post\" action=\"/login\"><input id=\"user\" name=\"user\"><select id=\"role\" name=\"role\"><option value=\"viewer\">閲覧</option><option value=\"operator\">操作</option></select><button id=\"go\">サインイン</button></form>"));
        app.MapPost("/login", async context =>
        {
            var form = await context.Request.ReadFormAsync();
            context.Response.Cookies.Append("dxmig-session", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{form["user"]}|{form["role"]}")), new CookieOptions
            {
                HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/",
            });
            context.Response.Cookies.Append("dxmig-theme", "dark", new CookieOptions
            {
                HttpOnly = false, Secure = false, SameSite = SameSiteMode.Lax, Path = "/", Expires = DateTimeOffset.UtcNow.AddDays(1),
            });
            context.Response.Redirect("/welcome");
        });
        app.MapGet("/welcome", (HttpContext context) =>
        {
            var session = context.Request.Cookies["dxmig-session"];
            var who = session is null ? "(none)" : Encoding.UTF8.GetString(Convert.FromBase64String(session));
            return Html($"<p id=\"who\">{WebUtility.HtmlEncode(who)}</p>");
        });
        app.MapGet("/live", () => Html(
            "<p id=\"tick\">waiting</p><script>const s = new EventSource('/events'); s.onmessage = e => { document.getElementById('tick').textContent = e.data; };</script>"));
        app.MapGet("/events", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-store";
            for (var i = 1; i <= 100 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.WriteAsync($"data: tick {i}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(150, context.RequestAborted);
            }
        });
        app.MapGet("/script-error", () => Html(
            "<p>x</p><script>console.error('わざとのエラー / deliberate console error');</script><script>notDefinedAnywhere();</script>"));
        app.MapGet("/csp", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'";
            return Html("<p id=\"p\">csp</p><script>document.getElementById('p').textContent = 'inline ran';</script>");
        });
        app.MapGet("/clean", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'nonce-n0nce'";
            return Html("<p id=\"ready\">no</p><script nonce=\"n0nce\">document.getElementById('ready').textContent = 'yes'; console.log('fine'); console.warn('only a warning');</script>");
        });
        app.MapGet("/forbidden", () => Html("<h1 id=\"denied\">権限がありません / forbidden</h1>", 403));
        app.MapGet("/forbidden-empty", () => Results.StatusCode(403));
        app.MapGet("/unauthorized-empty", () => Results.StatusCode(401));
        app.MapGet("/tall", () => Html(
            "<div style=\"height:3000px;background:linear-gradient(#fff,#36c)\"><h1>縦に長いページ / a tall page</h1></div><p id=\"end\">end</p>"));
        app.MapGet("/covered", () => Html(
            "<button id=\"under\" onclick=\"document.title='clicked'\">under</button><div style=\"position:fixed;inset:0;background:rgba(0,0,0,.3)\"></div>"));
        app.MapGet("/missing-script", () => Html("<p>x</p><script src=\"/nope.js\"></script>"));
        app.MapGet("/confirm", () => Html(
            "<button id=\"delete\" onclick=\"document.getElementById('answer').textContent = confirm('3 件を削除しますか? / delete 3 items?') ? 'yes' : 'no'\">削除</button><p id=\"answer\">-</p>"));
        app.MapGet("/favicon.ico", () => Results.NoContent());
    }
}

using System.Net;
using System.Net.Security;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dxmig.GraphEmulator.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Dxmig.GraphEmulator.Tests.SignInFlow;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>
/// ASP.NET Core's own OpenID Connect handler (authorization code + PKCE, form_post, cookies) in a small web app on
/// loopback HTTPS signs a user in against the emulator: discovery, JWKS, the sign-in page, the code redemption over
/// a backchannel that trusts the emulator by its certificate pin, ID token validation (issuer, audience, signature,
/// nonce), role claims from the app roles, and sign-out through the logout endpoint.
/// </summary>
public sealed class OpenIdConnectHandlerTests
{
    private const string Viewer = "viewer@pref.example.jp";
    private const string ViewerPassword = "Viewer-Pass-28";

    [Fact]
    public async Task RealHandler_SignsInThroughTheEmulator_WithRoles_AndSignsOut()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        emu.AddSignInUser(new SignInUser
        {
            UserName = Viewer,
            Password = ViewerPassword,
            DisplayName = "閲覧 花子",
            AppRoles = new Dictionary<string, IReadOnlyList<string>> { [ClientId] = ["Dxmig.Viewer"] },
        });
        using var appCertificate = SelfSigned();
        var (web, origin) = await StartWebAppAsync(emu, appCertificate);
        await using var stop = web;
        emu.AddWebApp(new EntraWebApp
        {
            ClientId = ClientId,
            ClientSecret = SignInFlow.Secret,
            RedirectUris = [origin + "/signin-oidc", origin + "/signout-callback-oidc"],
        });
        var appPin = appCertificate.GetCertHashString(HashAlgorithmName.SHA256);
        var emuPin = emu.Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        using var browser = Browser(emuPin, appPin);

        // Anonymous: the app sends the browser to the emulator's sign-in page.
        using var challenge = await browser.GetAsync(new Uri(origin + "/"));
        var signInPage = await challenge.Content.ReadAsStringAsync();
        challenge.RequestMessage!.RequestUri!.GetLeftPart(UriPartial.Path).Should().Be($"{emu.Origin}/{emu.TenantId}/oauth2/v2.0/authorize");
        var authorize = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(challenge.RequestMessage.RequestUri.Query);
        authorize["code_challenge_method"].ToString().Should().Be("S256");
        authorize["response_mode"].ToString().Should().Be("form_post");
        signInPage.Should().Contain("id=\"signin\"");

        var home = await SignInAsync(browser, emu, signInPage, Operator, OperatorPassword);
        using var operatorPage = await browser.GetAsync(new Uri(origin + "/operator"));

        home.Should().Contain($"name=運用 太郎;user={Operator};roles={OperatorRole}");
        operatorPage.StatusCode.Should().Be(HttpStatusCode.OK);

        // Sign-out: the handler sends the browser to the emulator's logout endpoint, which sends it back.
        using var signedOut = await browser.GetAsync(new Uri(origin + "/signout"));
        (await signedOut.Content.ReadAsStringAsync()).Should().Be("signed out");
        signedOut.RequestMessage!.RequestUri!.AbsolutePath.Should().Be("/bye");

        // No single sign-on session: the next visit asks for the password again; the viewer has no operator role.
        using var again = await browser.GetAsync(new Uri(origin + "/"));
        var viewerHome = await SignInAsync(browser, emu, await again.Content.ReadAsStringAsync(), Viewer, ViewerPassword);
        using var forbidden = await browser.GetAsync(new Uri(origin + "/operator"));

        viewerHome.Should().Contain($"name=閲覧 花子;user={Viewer};roles=Dxmig.Viewer");
        forbidden.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    /// <summary>Submits the sign-in form, then the form_post page (as a browser's script would); the app's page.</summary>
    private static async Task<string> SignInAsync(HttpClient browser, GraphEmulator emu, string signInPage, string user, string password)
    {
        var fields = HiddenFields(signInPage);
        fields["username"] = user;
        fields["password"] = password;
        using var login = await browser.PostAsync(new Uri(new Uri(emu.Origin), FormAction(signInPage)), new FormUrlEncodedContent(fields));
        var formPost = await login.Content.ReadAsStringAsync();
        login.StatusCode.Should().Be(HttpStatusCode.OK, formPost);
        using var callback = await browser.PostAsync(new Uri(FormAction(formPost)), new FormUrlEncodedContent(HiddenFields(formPost)));
        var page = await callback.Content.ReadAsStringAsync();
        callback.StatusCode.Should().Be(HttpStatusCode.OK, page);
        return page;
    }

    private static async Task<(WebApplication App, string Origin)> StartWebAppAsync(GraphEmulator emu, X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o => o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = emu.Authority();
                o.ClientId = ClientId;
                o.ClientSecret = SignInFlow.Secret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.SaveTokens = true;
                o.BackchannelHttpHandler = emu.CreatePinnedHandler();
                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = "roles";
            });
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", (ClaimsPrincipal user) =>
            $"name={user.Identity!.Name};user={user.FindFirst("preferred_username")?.Value};roles={string.Join(',', user.FindAll("roles").Select(c => c.Value))}").RequireAuthorization();
        app.MapGet("/operator", () => "operator").RequireAuthorization(p => p.RequireRole(OperatorRole));
        app.MapGet("/signout", () => Results.SignOut(new AuthenticationProperties { RedirectUri = "/bye" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapGet("/bye", () => "signed out");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, "https://127.0.0.1:" + new Uri(address).Port);
    }

    /// <summary>A browser: cookies, redirects followed, and trust in exactly the two loopback certificates.</summary>
    private static HttpClient Browser(params string[] pins) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && pins.Contains(cert.GetCertHashString(HashAlgorithmName.SHA256), StringComparer.Ordinal),
        },
    });

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dxmig test web app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}

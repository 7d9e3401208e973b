using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Dxmig.Web.Auth;

/// <summary>
/// Who may see and do what: a console cookie (Secure on HTTPS, HttpOnly, SameSite=Lax, 8 hours sliding) made either by
/// Entra ID sign-in (OpenID Connect, authorization code with PKCE) or by a local account; every endpoint needs the
/// viewer policy unless it says otherwise (the fallback policy), actions the operator policy. Health and metrics also
/// accept the scrape token as a bearer token. Anonymous requests get a 401 page with the way to sign in, never data.
/// </summary>
internal static class AuthSetup
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string EntraScheme = "entra";
    public const string ScrapeScheme = "scrape";
    public const string ScrapePolicy = "dxmig-scrape";

    public static void AddConsoleAuth(IServiceCollection services, WebConsoleSettings settings)
    {
        var https = settings.Listen.Scheme == Uri.UriSchemeHttps;
        var auth = services.AddAuthentication(CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                // __Host- cookies must be Secure, path /, no domain: the browser refuses them otherwise.
                o.Cookie.Name = https ? "__Host-dxmig" : "dxmig";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.Events.OnRedirectToLogin = context => Refuse(context.HttpContext, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Refuse(context.HttpContext, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ScrapeTokenHandler>(ScrapeScheme, _ => { });
        if (settings.Entra is { } entra)
        {
            auth.AddOpenIdConnect(EntraScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.Authority = entra.Authority;
                o.ClientId = entra.ClientId;
                o.ClientSecret = entra.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.ResponseMode = OpenIdConnectResponseMode.FormPost;
                o.UsePkce = true;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.SaveTokens = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.MapInboundClaims = false;
                o.CallbackPath = "/signin-oidc";
                o.SignedOutCallbackPath = "/signout-callback-oidc";
                o.TokenValidationParameters.NameClaimType = "preferred_username";
                o.TokenValidationParameters.RoleClaimType = "roles";
                o.CorrelationCookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.CorrelationCookie.HttpOnly = true;
                o.NonceCookie.HttpOnly = true;
                if (entra.AuthorityCertificateSha256 is { } pin)
                {
                    o.BackchannelHttpHandler = PinnedHandler(pin);
                }

                o.Events.OnTokenValidated = context =>
                {
                    var principal = context.Principal!;
                    var role = ConsoleRoles.FromEntra(principal, entra);
                    var identity = (ClaimsIdentity)principal.Identity!;
                    if (role is not null)
                    {
                        identity.AddClaim(new Claim(ConsoleRoles.ClaimType, role));
                    }

                    identity.AddClaim(new Claim("dxmig_signin", "entra"));
                    return Audit.WriteAsync(context.HttpContext, "signin", null, null, "entra", role is null ? "no-role" : "ok",
                        user: ConsoleRoles.Who(principal), role: role ?? "-");
                };
                o.Events.OnRemoteFailure = context =>
                {
                    context.HandleResponse();
                    var log = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("dxmig.console");
                    log.LogWarning("Entra ID のサインインに失敗しました / Entra ID sign-in failed: {Reason}", Dxmig.Platform.Logging.SecretMasker.Apply(context.Failure?.Message ?? "?"));
                    return SignInPage.WriteFailureAsync(context.HttpContext,
                        "Entra ID でサインインできませんでした。もう一度お試しください。続く場合は管理者にアプリ登録 (リダイレクト URI) を確認してもらってください / Entra ID sign-in did not complete. Try again; if it goes on, ask an admin to check the app registration (redirect URI)");
                };
            });
        }

        services.AddAuthorization(o =>
        {
            o.AddPolicy(ConsoleRoles.ViewerPolicy, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser()
                .RequireClaim(ConsoleRoles.ClaimType, ConsoleRoles.Viewer, ConsoleRoles.Operator));
            o.AddPolicy(ConsoleRoles.OperatorPolicy, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser()
                .RequireClaim(ConsoleRoles.ClaimType, ConsoleRoles.Operator));
            o.AddPolicy(ScrapePolicy, p => p.AddAuthenticationSchemes(CookieScheme, ScrapeScheme).RequireAuthenticatedUser()
                .RequireClaim(ConsoleRoles.ClaimType, ConsoleRoles.Viewer, ConsoleRoles.Operator, "scrape"));
            // Every endpoint needs a viewer unless it names another policy or is one of the sign-in endpoints.
            o.FallbackPolicy = o.GetPolicy(ConsoleRoles.ViewerPolicy);
        });
    }

    /// <summary>A backchannel to the authority that trusts exactly the pinned certificate (SHA-256 of its DER).</summary>
    public static HttpMessageHandler PinnedHandler(string sha256)
    {
        var pin = sha256.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
        return new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == System.Net.Security.SslPolicyErrors.None ||
                    (certificate is not null && string.Equals(
                        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())), pin, StringComparison.OrdinalIgnoreCase)),
            },
        };
    }

    /// <summary>The 401 or 403 answer: a page with the way to sign in (browsers) or a plain line (scripts), never data.</summary>
    private static Task Refuse(HttpContext http, int status)
    {
        http.Response.StatusCode = status;
        var wantsHtml = http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (!wantsHtml)
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync(status == StatusCodes.Status401Unauthorized
                ? "サインインが必要です / sign-in required\n"
                : "この操作の権限がありません / you do not have the role this needs\n");
        }

        return status == StatusCodes.Status401Unauthorized
            ? SignInPage.WriteAsync(http, returnUrl: http.Request.Path + http.Request.QueryString, message: null, status)
            : Layout.WriteForbiddenAsync(http);
    }
}

/// <summary>The scrape token as <c>Authorization: Bearer …</c> for Prometheus and health probes; nothing else accepts it.</summary>
internal sealed class ScrapeTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, WebConsoleSettings settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (settings.ScrapeToken is not { Length: > 0 } token || !header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var given = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(token)))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong scrape token"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "scrape"), new Claim(ConsoleRoles.ClaimType, "scrape")], AuthSetup.ScrapeScheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AuthSetup.ScrapeScheme)));
    }

    /// <summary>The cookie scheme has already answered (its 401 page) when both are challenged: only add the header.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Response.HasStarted)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
        }

        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (!Response.HasStarted)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
        }

        return Task.CompletedTask;
    }
}

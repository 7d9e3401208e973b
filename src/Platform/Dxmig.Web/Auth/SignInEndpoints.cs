using System.Security.Claims;
using Dxmig.Web.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dxmig.Web.Auth;

/// <summary>The only endpoints that answer without a signed-in person: the sign-in page and its two ways in.</summary>
internal static class SignInEndpoints
{
    /// <summary>Routes that answer anonymously by design (the route-table test holds every other route to a policy).</summary>
    public static readonly IReadOnlySet<string> Anonymous = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET /signin", "POST /signin/local", "GET /signin/entra", "GET /assets/console.css",
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (HttpContext http, string? returnUrl) => SignInPage.WriteAsync(http, returnUrl, message: null)).AllowAnonymous();
        app.MapPost("/signin/local", LocalAsync).AllowAnonymous().RequireAntiforgery();
        app.MapGet("/signin/entra", (HttpContext http, string? returnUrl) =>
        {
            var settings = http.RequestServices.GetRequiredService<WebConsoleSettings>();
            return settings.Entra is null
                ? Results.NotFound()
                : Results.Challenge(new AuthenticationProperties { RedirectUri = SignInPage.SafeReturn(returnUrl) }, [AuthSetup.EntraScheme]);
        }).AllowAnonymous();
        app.MapPost("/signout", SignOutAsync).RequireAntiforgery();
    }

    private static async Task LocalAsync(HttpContext http)
    {
        var settings = http.RequestServices.GetRequiredService<WebConsoleSettings>();
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = SignInPage.SafeReturn(form["returnUrl"]);
        if (settings.LocalAccountsFile is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var name = form["username"].ToString().Trim();
        var accounts = http.RequestServices.GetRequiredService<LocalAccounts>();
        var account = accounts.Verify(name, form["password"].ToString(), out var locked);
        if (account is null)
        {
            await Audit.WriteAsync(http, "signin", null, null, "local", locked ? "locked" : "refused", user: name.Length == 0 ? "(empty)" : name, role: "-");
            await SignInPage.WriteAsync(http, returnUrl,
                locked
                    ? "失敗が続いたため、この名前は 15 分間サインインできません / too many failures: this name cannot sign in for 15 minutes"
                    : "名前かパスワードが違います / wrong name or password",
                StatusCodes.Status401Unauthorized);
            return;
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, account.Name),
                new Claim("preferred_username", account.Name),
                new Claim(ConsoleRoles.ClaimType, account.Role),
                new Claim("dxmig_signin", "local"),
            ],
            AuthSetup.CookieScheme, ClaimTypes.Name, ClaimTypes.Role);
        await http.SignInAsync(AuthSetup.CookieScheme, new ClaimsPrincipal(identity));
        await Audit.WriteAsync(http, "signin", null, null, "local", "ok", user: account.Name, role: account.Role);
        http.Response.Redirect(returnUrl);
    }

    private static async Task SignOutAsync(HttpContext http)
    {
        await Audit.WriteAsync(http, "signout", null, null, null, "ok");
        var entra = http.User.HasClaim("dxmig_signin", "entra");
        await http.SignOutAsync(AuthSetup.CookieScheme);
        if (entra)
        {
            await http.SignOutAsync(AuthSetup.EntraScheme, new AuthenticationProperties { RedirectUri = "/signin" });
            return;
        }

        http.Response.Redirect("/signin");
    }
}

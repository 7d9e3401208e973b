using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dxmig.GraphEmulator.Identity;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>A browser's part in the emulator's sign-in, done with a plain HttpClient that trusts only the emulator's
/// certificate and follows no redirect: the authorize URL with PKCE, the sign-in form, the code on the redirect.</summary>
internal sealed partial class SignInFlow : IDisposable
{
    public const string ClientId = "7d1c9e40-2b6a-4f3e-9a51-0c8e2f4b6d13";
    public const string Secret = "web-app-secret-3f9a";
    public const string RedirectUri = "https://127.0.0.1:9/signin-oidc";
    public const string OtherRedirectUri = "https://127.0.0.1:9/other-callback";
    public const string Operator = "operator@pref.example.jp";
    public const string OperatorPassword = "Operator-Pass-71";
    public const string OperatorRole = "Dxmig.Operator";
    public const string Group = "3b0e5f2c-9d41-4a87-8c16-2e7f0a9d5b34";

    public SignInFlow(GraphEmulator emu)
    {
        Emu = emu;
        Http = new HttpClient(PinnedNoRedirect(emu));
    }

    public GraphEmulator Emu { get; }

    public HttpClient Http { get; }

    public string Verifier { get; } = TokenText(RandomNumberGenerator.GetBytes(40));

    public string Challenge => TokenText(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    public static EntraWebApp WebApp(bool groups = false) => new()
    {
        ClientId = ClientId,
        DisplayName = "dxmig console",
        ClientSecret = Secret,
        RedirectUris = [RedirectUri, OtherRedirectUri],
        GroupMembershipClaims = groups,
    };

    public static SignInUser OperatorUser => new()
    {
        UserName = Operator,
        Password = OperatorPassword,
        DisplayName = "運用 太郎",
        AppRoles = new Dictionary<string, IReadOnlyList<string>> { [ClientId] = [OperatorRole] },
        Groups = [Group],
    };

    public static GraphEmulatorOptions Options(bool groups = false, TimeProvider? time = null) => new()
    {
        WebApps = [WebApp(groups)],
        SignInUsers = [OperatorUser],
        TimeProvider = time ?? TimeProvider.System,
    };

    /// <summary>The authorize URL; <paramref name="change"/> edits the parameters (null value: leave it out).</summary>
    public string AuthorizeUrl(Action<Dictionary<string, string?>>? change = null)
    {
        var p = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["client_id"] = ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = RedirectUri,
            ["response_mode"] = "query",
            ["scope"] = "openid profile email",
            ["state"] = "state-42",
            ["nonce"] = "nonce-17",
            ["code_challenge"] = Challenge,
            ["code_challenge_method"] = "S256",
        };
        change?.Invoke(p);
        return Emu.Origin + "/" + Emu.TenantId + "/oauth2/v2.0/authorize?" + string.Join('&',
            p.Where(kv => kv.Value is not null).Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value!)));
    }

    /// <summary>Opens the authorize URL and submits the sign-in form; the emulator's answer to the form.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string authorizeUrl, string userName, string password)
    {
        using var page = await Http.GetAsync(new Uri(authorizeUrl));
        var html = await page.Content.ReadAsStringAsync();
        page.StatusCode.Should().Be(HttpStatusCode.OK, html);
        return await SubmitFormAsync(html, userName, password);
    }

    public async Task<HttpResponseMessage> SubmitFormAsync(string signInPage, string userName, string password)
    {
        var action = WebUtility.HtmlDecode(ActionPattern().Match(signInPage).Groups[1].Value);
        var fields = HiddenFields(signInPage);
        fields["username"] = userName;
        fields["password"] = password;
        using var form = new FormUrlEncodedContent(fields);
        return await Http.PostAsync(new Uri(new Uri(Emu.Origin), action), form);
    }

    /// <summary>The query of a redirect to the app's redirect URI.</summary>
    public static Dictionary<string, string> RedirectQuery(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var location = response.Headers.Location!;
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>Signs the operator in (query mode) and returns the code.</summary>
    public async Task<string> CodeAsync(Action<Dictionary<string, string?>>? change = null)
    {
        using var response = await SignInAsync(AuthorizeUrl(change), Operator, OperatorPassword);
        return RedirectQuery(response)["code"];
    }

    /// <summary>Posts an authorization_code grant; <paramref name="change"/> edits the form (null value: leave it out).</summary>
    public async Task<(int Status, JsonObject Body)> RedeemAsync(string code, Action<Dictionary<string, string?>>? change = null)
    {
        var p = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = ClientId,
            ["client_secret"] = Secret,
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = Verifier,
        };
        change?.Invoke(p);
        using var form = new FormUrlEncodedContent(p.Where(kv => kv.Value is not null).Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value!)));
        using var response = await Http.PostAsync(new Uri($"{Emu.Origin}/{Emu.TenantId}/oauth2/v2.0/token"), form);
        return ((int)response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public static Dictionary<string, string> HiddenFields(string html) =>
        HiddenPattern().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value), StringComparer.Ordinal);

    public static string FormAction(string html) => WebUtility.HtmlDecode(ActionPattern().Match(html).Groups[1].Value);

    /// <summary>The AADSTS number an error_description or page starts its message with.</summary>
    public static string? Aadsts(string text) => AadstsPattern().Match(text) is { Success: true } m ? m.Value : null;

    public static SocketsHttpHandler PinnedNoRedirect(GraphEmulator emu)
    {
        var handler = emu.CreatePinnedHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        return handler;
    }

    public static string TokenText(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("<form method=\"post\"[^>]* action=\"([^\"]*)\"")]
    private static partial Regex ActionPattern();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenPattern();

    [GeneratedRegex(@"AADSTS\d+")]
    private static partial Regex AadstsPattern();
}

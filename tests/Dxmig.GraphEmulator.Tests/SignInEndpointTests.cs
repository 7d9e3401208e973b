using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Identity;
using Microsoft.Extensions.Time.Testing;
using static Dxmig.GraphEmulator.Tests.SignInFlow;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>The emulator's Entra ID user sign-in (authorize page, authorization_code grant with PKCE, ID tokens,
/// JWKS, logout), driven with a plain HttpClient that trusts only the emulator's certificate.</summary>
public sealed class SignInEndpointTests
{
    [Fact]
    public async Task Discovery_NamesTheSignInEndpoints_AndTheJwksHoldsTheSigningKey()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        var config = JsonNode.Parse(await flow.Http.GetStringAsync(new Uri(emu.Authority() + "/.well-known/openid-configuration")))!;
        var jwks = JsonNode.Parse(await flow.Http.GetStringAsync(new Uri(config["jwks_uri"]!.GetValue<string>())))!;

        emu.Authority().Should().Be($"{emu.Origin}/{emu.TenantId}/v2.0");
        config["issuer"]!.GetValue<string>().Should().Be(emu.Authority());
        config["authorization_endpoint"]!.GetValue<string>().Should().Be($"{emu.Origin}/{emu.TenantId}/oauth2/v2.0/authorize");
        config["token_endpoint"]!.GetValue<string>().Should().Be($"{emu.Origin}/{emu.TenantId}/oauth2/v2.0/token");
        config["end_session_endpoint"]!.GetValue<string>().Should().Be($"{emu.Origin}/{emu.TenantId}/oauth2/v2.0/logout");
        config["jwks_uri"]!.GetValue<string>().Should().Be($"{emu.Origin}/{emu.TenantId}/discovery/v2.0/keys");
        config["id_token_signing_alg_values_supported"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("RS256");
        config["response_modes_supported"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain(["query", "form_post"]);
        var key = jwks["keys"]!.AsArray().Single()!;
        key["kty"]!.GetValue<string>().Should().Be("RSA");
        key["use"]!.GetValue<string>().Should().Be("sig");
        key["kid"]!.GetValue<string>().Should().Be(emu.SigningKeyId);
        key["issuer"]!.GetValue<string>().Should().Be(emu.Authority());
    }

    [Fact]
    public async Task Authorize_ShowsAPlainSignInForm_WithAStrictPolicyAndTheLoginHint()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var page = await flow.Http.GetAsync(new Uri(flow.AuthorizeUrl(p => p["login_hint"] = Operator)));
        var html = await page.Content.ReadAsStringAsync();

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("id=\"username\" name=\"username\"").And.Contain($"value=\"{Operator}\"")
            .And.Contain("id=\"password\" name=\"password\" type=\"password\"").And.Contain("<button id=\"signin\" type=\"submit\">")
            .And.NotContain("src=").And.NotContain("<script").And.NotContain("http://");
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().StartWith("default-src 'none'").And.Contain("form-action 'self' https://127.0.0.1:9;").And.Contain("frame-ancestors 'none'");
        page.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task WrongPassword_IsRefusedOnTheForm_AndTheRightOneThenSignsIn()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var refused = await flow.SignInAsync(flow.AuthorizeUrl(), Operator, "Not-The-Password-9");
        var page = await refused.Content.ReadAsStringAsync();
        using var unknown = await flow.SubmitFormAsync(page, "nobody@pref.example.jp", OperatorPassword);
        var unknownPage = await unknown.Content.ReadAsStringAsync();
        using var accepted = await flow.SubmitFormAsync(unknownPage, Operator.ToUpperInvariant(), OperatorPassword);

        refused.StatusCode.Should().Be(HttpStatusCode.OK);
        refused.Headers.Location.Should().BeNull();
        Aadsts(page).Should().Be("AADSTS50126");
        page.Should().Contain("id=\"error\"").And.Contain("パスワードが正しくありません").And.Contain($"value=\"{Operator}\"").And.NotContain("Not-The-Password-9");
        Aadsts(unknownPage).Should().Be("AADSTS50034");
        RedirectQuery(accepted)["state"].Should().Be("state-42");
    }

    [Fact]
    public async Task CodeWithTheRightVerifier_GivesAnIdTokenSignedByTheJwksKey_WithRolesGroupsAndNonce()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(groups: true), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var signedIn = await flow.SignInAsync(flow.AuthorizeUrl(), Operator, OperatorPassword);
        var query = RedirectQuery(signedIn);
        var (status, body) = await flow.RedeemAsync(query["code"]);

        signedIn.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(RedirectUri);
        query["state"].Should().Be("state-42");
        status.Should().Be(200, body.ToJsonString());
        body["token_type"]!.GetValue<string>().Should().Be("Bearer");
        body["expires_in"]!.GetValue<int>().Should().BePositive();
        body["access_token"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        var jwks = JsonNode.Parse(await flow.Http.GetStringAsync(new Uri($"{emu.Origin}/{emu.TenantId}/discovery/v2.0/keys")))!;
        var (header, claims) = VerifiedJwt(body["id_token"]!.GetValue<string>(), jwks["keys"]![0]!);
        header["alg"]!.GetValue<string>().Should().Be("RS256");
        header["kid"]!.GetValue<string>().Should().Be(emu.SigningKeyId);
        claims["iss"]!.GetValue<string>().Should().Be(emu.Authority());
        claims["aud"]!.GetValue<string>().Should().Be(ClientId);
        claims["tid"]!.GetValue<string>().Should().Be(emu.TenantId);
        claims["nonce"]!.GetValue<string>().Should().Be("nonce-17");
        claims["preferred_username"]!.GetValue<string>().Should().Be(Operator);
        claims["name"]!.GetValue<string>().Should().Be("運用 太郎");
        claims["email"]!.GetValue<string>().Should().Be(Operator);
        claims["ver"]!.GetValue<string>().Should().Be("2.0");
        Guid.TryParse(claims["oid"]!.GetValue<string>(), out _).Should().BeTrue();
        claims["sub"]!.GetValue<string>().Should().NotBe(claims["oid"]!.GetValue<string>());
        claims["roles"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(OperatorRole);
        claims["groups"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(Group);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["exp"]!.GetValue<long>().Should().BeGreaterThan(now);
        claims["nbf"]!.GetValue<long>().Should().BeLessThanOrEqualTo(now + 5);
    }

    [Fact]
    public async Task IdToken_OmitsRolesForAnotherApp_AndGroupsUnlessTheAppAsksForThem_AndSubIsPairwise()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        const string otherApp = "e2a94c1d-5b07-4d3f-8e66-19c0b7a2f458";
        emu.AddWebApp(new EntraWebApp { ClientId = otherApp, ClientSecret = Secret, RedirectUris = [RedirectUri] });

        var mine = await IdTokenClaimsAsync(flow, ClientId);
        var other = await IdTokenClaimsAsync(flow, otherApp);

        mine["roles"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(OperatorRole);
        mine["groups"].Should().BeNull();
        other["roles"].Should().BeNull();
        other["aud"]!.GetValue<string>().Should().Be(otherApp);
        other["oid"]!.GetValue<string>().Should().Be(mine["oid"]!.GetValue<string>());
        other["sub"]!.GetValue<string>().Should().NotBe(mine["sub"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongVerifier_IsInvalidGrant501481_AndTheCodeStillRedeemsOnceWithTheRightOne()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var code = await flow.CodeAsync();

        var wrong = await flow.RedeemAsync(code, p => p["code_verifier"] = TokenText(RandomNumberGenerator.GetBytes(40)));
        var missing = await flow.RedeemAsync(code, p => p["code_verifier"] = null);
        var right = await flow.RedeemAsync(code);

        wrong.Status.Should().Be(400);
        wrong.Body["error"]!.GetValue<string>().Should().Be("invalid_grant");
        Aadsts(wrong.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS501481");
        wrong.Body["error_codes"]![0]!.GetValue<int>().Should().Be(501481);
        Aadsts(missing.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS501481");
        right.Status.Should().Be(200);
    }

    [Fact]
    public async Task ReusedCode_IsInvalidGrant54005()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var code = await flow.CodeAsync();

        var first = await flow.RedeemAsync(code);
        var second = await flow.RedeemAsync(code);

        first.Status.Should().Be(200);
        second.Status.Should().Be(400);
        second.Body["error"]!.GetValue<string>().Should().Be("invalid_grant");
        Aadsts(second.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS54005");
        second.Body["id_token"].Should().BeNull();
    }

    [Fact]
    public async Task ExpiredCode_IsInvalidGrant70008()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emu = await GraphEmulator.StartAsync(Options(time: clock), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var code = await flow.CodeAsync();

        clock.Advance(TimeSpan.FromMinutes(10));
        var (status, body) = await flow.RedeemAsync(code);

        status.Should().Be(400);
        Aadsts(body["error_description"]!.GetValue<string>()).Should().Be("AADSTS70008");
    }

    [Fact]
    public async Task RedirectUri_MustMatchExactly_AtAuthorize_AndAtRedemptionTheOneOfTheCode()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var unregistered = await flow.Http.GetAsync(new Uri(flow.AuthorizeUrl(p => p["redirect_uri"] = RedirectUri.Replace("signin-oidc", "SignIn-Oidc", StringComparison.Ordinal))));
        var page = await unregistered.Content.ReadAsStringAsync();
        var code = await flow.CodeAsync();
        var otherRegistered = await flow.RedeemAsync(code, p => p["redirect_uri"] = OtherRedirectUri);
        var notRegistered = await flow.RedeemAsync(code, p => p["redirect_uri"] = "https://127.0.0.1:9/elsewhere");

        unregistered.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        unregistered.Headers.Location.Should().BeNull();
        Aadsts(page).Should().Be("AADSTS50011");
        page.Should().NotContain("name=\"password\"");
        otherRegistered.Status.Should().Be(400);
        Aadsts(otherRegistered.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS500112");
        Aadsts(notRegistered.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS50011");
        (await flow.RedeemAsync(code)).Status.Should().Be(200);
    }

    [Fact]
    public async Task UnknownClient_IsRefusedAtAuthorizeAndAtTheTokenEndpoint_With700016()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        const string unknown = "00000000-1111-2222-3333-444444444444";

        using var page = await flow.Http.GetAsync(new Uri(flow.AuthorizeUrl(p => p["client_id"] = unknown)));
        var html = await page.Content.ReadAsStringAsync();
        var code = await flow.CodeAsync();
        var (status, body) = await flow.RedeemAsync(code, p => p["client_id"] = unknown);

        page.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        page.Headers.Location.Should().BeNull();
        Aadsts(html).Should().Be("AADSTS700016");
        html.Should().Contain(unknown);
        status.Should().Be(400);
        body["error"]!.GetValue<string>().Should().Be("unauthorized_client");
        Aadsts(body["error_description"]!.GetValue<string>()).Should().Be("AADSTS700016");
    }

    [Fact]
    public async Task ClientSecret_IsRequiredAndChecked()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var code = await flow.CodeAsync();

        var wrong = await flow.RedeemAsync(code, p => p["client_secret"] = "not-the-secret");
        var missing = await flow.RedeemAsync(code, p => p["client_secret"] = null);

        wrong.Status.Should().Be(401);
        wrong.Body["error"]!.GetValue<string>().Should().Be("invalid_client");
        Aadsts(wrong.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS7000215");
        wrong.Body.ToJsonString().Should().NotContain("not-the-secret");
        Aadsts(missing.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS7000218");
        (await flow.RedeemAsync(code)).Status.Should().Be(200);
    }

    [Theory]
    [InlineData("code_challenge", null, "invalid_request", "AADSTS900144")]
    [InlineData("code_challenge_method", "S512", "invalid_request", "AADSTS50149")]
    [InlineData("code_challenge", "too-short", "invalid_request", "AADSTS501491")]
    [InlineData("scope", "profile email", "invalid_scope", "AADSTS70011")]
    [InlineData("response_type", "id_token", "unsupported_response_type", "AADSTS700054")]
    [InlineData("prompt", "none", "login_required", "AADSTS50058")]
    public async Task BadAuthorizeRequest_FromATrustedApp_IsSentBackToItsRedirectUriWithTheState(string parameter, string? value, string error, string aadsts)
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var response = await flow.Http.GetAsync(new Uri(flow.AuthorizeUrl(p => p[parameter] = value)));
        var query = RedirectQuery(response);

        response.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(RedirectUri);
        query["error"].Should().Be(error);
        Aadsts(query["error_description"]).Should().Be(aadsts);
        query["state"].Should().Be("state-42");
        query.Should().NotContainKey("code");
    }

    [Fact]
    public async Task NoPkce_IsRefusedWith9002325_UnlessTheAppDoesNotRequireIt()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var withoutPkce = flow.AuthorizeUrl(p => p["code_challenge"] = p["code_challenge_method"] = null);

        using var refused = await flow.Http.GetAsync(new Uri(withoutPkce));
        var query = RedirectQuery(refused);
        emu.AddWebApp(new EntraWebApp { ClientId = ClientId, ClientSecret = Secret, RedirectUris = [RedirectUri], RequirePkce = false });
        using var allowed = await flow.SignInAsync(withoutPkce, Operator, OperatorPassword);
        var (status, _) = await flow.RedeemAsync(RedirectQuery(allowed)["code"], p => p["code_verifier"] = null);

        query["error"].Should().Be("invalid_request");
        Aadsts(query["error_description"]).Should().Be("AADSTS9002325");
        query.Should().NotContainKey("code");
        status.Should().Be(200);
    }

    [Fact]
    public async Task FormPost_AnswersWithAnAutoSubmittingFormToTheRedirectUri_UnderANoncePolicy()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var response = await flow.SignInAsync(flow.AuthorizeUrl(p => p["response_mode"] = "form_post"), Operator, OperatorPassword);
        var html = await response.Content.ReadAsStringAsync();
        var fields = HiddenFields(html);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        FormAction(html).Should().Be(RedirectUri);
        fields["state"].Should().Be("state-42");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "script-src 'nonce-([^']+)'").Groups[1].Value;
        nonce.Should().NotBeEmpty();
        html.Should().Contain($"<script nonce=\"{nonce}\">document.forms[0].submit();</script>");
        csp.Should().Contain("form-action https://127.0.0.1:9");
        (await flow.RedeemAsync(fields["code"])).Status.Should().Be(200);
    }

    [Fact]
    public async Task Logout_SendsBackOnlyToARegisteredUri_WithTheState()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        var logout = $"{emu.Origin}/{emu.TenantId}/oauth2/v2.0/logout";

        using var registered = await flow.Http.GetAsync(new Uri($"{logout}?client_id={ClientId}&post_logout_redirect_uri={Uri.EscapeDataString(OtherRedirectUri)}&state=bye-1"));
        using var foreign = await flow.Http.GetAsync(new Uri($"{logout}?client_id={ClientId}&post_logout_redirect_uri={Uri.EscapeDataString("https://evil.example/")}"));

        registered.StatusCode.Should().Be(HttpStatusCode.Redirect);
        registered.Headers.Location!.ToString().Should().Be(OtherRedirectUri + "?state=bye-1");
        foreign.StatusCode.Should().Be(HttpStatusCode.OK);
        foreign.Headers.Location.Should().BeNull();
        (await foreign.Content.ReadAsStringAsync()).Should().Contain("サインアウトしました").And.Contain("not a redirect URI registered");
    }

    [Fact]
    public async Task ClientCredentials_StillWork_BesideTheSignIn()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);

        var token = await emu.GetAccessTokenAsync(GraphEmulator.GraphScope);

        token.Should().StartWith("emu.");
    }

    [Fact]
    public async Task UserAddedAfterStart_SignsIn_AndAReplacedUserGetsTheNewRoles()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        emu.AddSignInUser(new SignInUser
        {
            UserName = Operator,
            Password = OperatorPassword,
            AppRoles = new Dictionary<string, IReadOnlyList<string>> { [ClientId] = ["Dxmig.Viewer"] },
        });

        var claims = await IdTokenClaimsAsync(flow, ClientId);

        claims["roles"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("Dxmig.Viewer");
    }

    [Fact]
    public async Task AssignmentRequired_RefusesAUserWithoutARole_With50105()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);
        emu.AddWebApp(new EntraWebApp { ClientId = ClientId, ClientSecret = Secret, RedirectUris = [RedirectUri], AssignmentRequired = true });
        emu.AddSignInUser(new SignInUser { UserName = "guest@pref.example.jp", Password = "Guest-Pass-5" });

        using var refused = await flow.SignInAsync(flow.AuthorizeUrl(), "guest@pref.example.jp", "Guest-Pass-5");
        using var allowed = await flow.SignInAsync(flow.AuthorizeUrl(), Operator, OperatorPassword);

        refused.Headers.Location.Should().BeNull();
        Aadsts(await refused.Content.ReadAsStringAsync()).Should().Be("AADSTS50105");
        RedirectQuery(allowed).Should().ContainKey("code");
    }

    [Fact]
    public async Task Fragment_CarriesTheCode_AndClientSecretBasicRedeemsIt_ButNotForAnotherTenant()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        using var flow = new SignInFlow(emu);

        using var signedIn = await flow.SignInAsync(flow.AuthorizeUrl(p => p["response_mode"] = "fragment"), Operator, OperatorPassword);
        var fragment = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(signedIn.Headers.Location!.Fragment.TrimStart('#'));
        var code = fragment["code"].ToString();
        var otherTenant = await RedeemWithBasicAsync(flow, code, "0b1c2d3e-0000-4000-8000-000000000001");
        var basic = await RedeemWithBasicAsync(flow, code, emu.TenantId);

        signedIn.Headers.Location!.Query.Should().BeEmpty();
        fragment["state"].ToString().Should().Be("state-42");
        Aadsts(otherTenant.Body["error_description"]!.GetValue<string>()).Should().Be("AADSTS90002");
        basic.Status.Should().Be(200, basic.Body.ToJsonString());
        basic.Body["id_token"].Should().NotBeNull();
    }

    [Fact]
    public async Task RedirectUris_AreHttps_OrHttpOnLoopback()
    {
        await using var emu = await GraphEmulator.StartAsync(Options(), CancellationToken.None);
        var loopback = () => emu.AddWebApp(new EntraWebApp { ClientId = ClientId, RedirectUris = ["http://127.0.0.1:5000/signin-oidc", "http://localhost/cb"] });
        var plainHttp = () => emu.AddWebApp(new EntraWebApp { ClientId = ClientId, RedirectUris = ["http://console.pref.example.jp/signin-oidc"] });

        loopback.Should().NotThrow();
        plainHttp.Should().Throw<ArgumentException>().WithMessage("*https*console.pref.example.jp*");
    }

    private static async Task<(int Status, JsonObject Body)> RedeemWithBasicAsync(SignInFlow flow, string code, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{flow.Emu.Origin}/{tenant}/oauth2/v2.0/token"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(ClientId) + ":" + Uri.EscapeDataString(Secret))));
        request.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["code_verifier"] = flow.Verifier,
        });
        using var response = await flow.Http.SendAsync(request);
        return ((int)response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static async Task<JsonObject> IdTokenClaimsAsync(SignInFlow flow, string clientId)
    {
        var code = await flow.CodeAsync(p => p["client_id"] = clientId);
        var (status, body) = await flow.RedeemAsync(code, p => p["client_id"] = clientId);
        status.Should().Be(200, body.ToJsonString());
        var jwks = JsonNode.Parse(await flow.Http.GetStringAsync(new Uri($"{flow.Emu.Origin}/{flow.Emu.TenantId}/discovery/v2.0/keys")))!;
        return VerifiedJwt(body["id_token"]!.GetValue<string>(), jwks["keys"]![0]!).Claims;
    }

    /// <summary>The header and claims of an RS256 JWT whose signature the JWKS key verifies (fails the test otherwise).</summary>
    private static (JsonObject Header, JsonObject Claims) VerifiedJwt(string jwt, JsonNode jwk)
    {
        var parts = jwt.Split('.');
        parts.Should().HaveCount(3);
        using var rsa = RSA.Create(new RSAParameters { Modulus = FromBase64Url(jwk["n"]!.GetValue<string>()), Exponent = FromBase64Url(jwk["e"]!.GetValue<string>()) });
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        rsa.VerifyData(signed, FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).Should().BeTrue("the JWKS key signed the ID token");
        var tampered = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1] + "x");
        rsa.VerifyData(tampered, FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).Should().BeFalse();
        return ((JsonObject)JsonNode.Parse(FromBase64Url(parts[0]))!, (JsonObject)JsonNode.Parse(FromBase64Url(parts[1]))!);
    }

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}

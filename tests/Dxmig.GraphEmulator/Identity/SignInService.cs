using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Dxmig.GraphEmulator.Identity;

/// <summary>
/// Entra ID's user sign-in for web apps (Microsoft identity platform v2.0, OpenID Connect authorization code flow with
/// PKCE): the authorize endpoint with its sign-in page, the authorization_code grant of the token endpoint (RS256 ID
/// tokens with roles and groups), the JWKS and the logout endpoint. What Entra ID does not document, the code says,
/// and picks the stricter choice. Not emulated: single sign-on sessions (every authorize asks for the password),
/// MFA, Conditional Access, consent, refresh tokens, the hybrid and implicit flows.
/// </summary>
internal sealed class SignInService(string tenantId, EmulatorContext context, TokenService tokens, SignInDirectory directory, SigningKey key,
    TimeSpan codeLifetime, TimeSpan tokenLifetime)
{
    /// <summary>How long the sign-in page waits for the password. Entra ID's flow token lifetime is not documented.</summary>
    private static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(30);

    /// <summary>Entra ID puts at most 200 group ids in a JWT; beyond that, the overage claim.</summary>
    private const int MaxGroupsInJwt = 200;

    private readonly ConcurrentDictionary<string, PendingSignIn> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);

    /// <summary>The issuer of this tenant's v2.0 tokens: <c>{origin}/{tenant}/v2.0</c>.</summary>
    public string Issuer => $"{context.Origin}/{tenantId}/v2.0";

    public void Map(WebApplication app)
    {
        app.MapMethods("/{tenant}/oauth2/v2.0/authorize", ["GET", "POST"], HandleAuthorizeAsync);
        app.MapPost("/{tenant}/login", HandleLoginAsync);
        app.MapGet("/{tenant}/discovery/v2.0/keys", HandleKeysAsync);
        app.MapMethods("/{tenant}/oauth2/v2.0/logout", ["GET", "POST"], HandleLogoutAsync);
    }

    private bool IsTenant(string tenant) => string.Equals(tenant, tenantId, StringComparison.OrdinalIgnoreCase);

    private DateTimeOffset Now => context.Time.GetUtcNow();

    private async Task HandleKeysAsync(HttpContext http, string tenant)
    {
        if (!IsTenant(tenant))
        {
            await WriteJsonAsync(http, 400, EntraError.TenantNotFound(tenant).Json(Now));
            return;
        }

        await WriteJsonAsync(http, 200, key.Jwks(Issuer));
    }

    private async Task HandleAuthorizeAsync(HttpContext http, string tenant)
    {
        var p = await ParametersAsync(http);
        if (!IsTenant(tenant))
        {
            await SignInPages.WriteErrorPageAsync(http, EntraError.TenantNotFound(tenant), Now);
            return;
        }

        // Until the app and its redirect URI are known, errors are shown on Entra ID's own page, never sent anywhere.
        var clientId = Get(p, "client_id");
        if (clientId is null)
        {
            await SignInPages.WriteErrorPageAsync(http, EntraError.Missing("client_id"), Now);
            return;
        }

        var app = directory.App(clientId);
        if (app is null)
        {
            await SignInPages.WriteErrorPageAsync(http, EntraError.UnknownClient(clientId, tenantId), Now);
            return;
        }

        var redirectUri = Get(p, "redirect_uri");
        if (redirectUri is null || !app.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            await SignInPages.WriteErrorPageAsync(http, EntraError.RedirectMismatch(redirectUri, app.ClientId), Now);
            return;
        }

        var state = Get(p, "state");
        var mode = Get(p, "response_mode") ?? "query";
        if (mode is not ("query" or "fragment" or "form_post"))
        {
            // Entra ID's number for this error is not documented; the emulator answers on its own page.
            await SignInPages.WriteErrorPageAsync(http, new EntraError(400, "invalid_request", 900144,
                $"The request body must contain the following parameter: 'response_mode' with one of query, fragment, form_post (was '{mode}')."), Now);
            return;
        }

        var problem = RequestProblem(p, app);
        if (problem is not null)
        {
            await RespondAsync(http, redirectUri, mode, ErrorFields(problem, state));
            return;
        }

        foreach (var (stale, waiting) in _pending)
        {
            if (waiting.Expires <= Now)
            {
                _pending.TryRemove(stale, out _);
            }
        }

        var ctx = TokenService.Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Get(p, "code_challenge");
        _pending[ctx] = new PendingSignIn(app, redirectUri, mode, state, Get(p, "nonce"), Scopes(p), challenge,
            challenge is null ? null : Get(p, "code_challenge_method") ?? "plain", Now + PendingLifetime);
        await SignInPages.WriteSignInFormAsync(http, LoginPath(tenant), ctx, app.DisplayName ?? app.ClientId, Get(p, "login_hint") ?? "", error: null, redirectUri);
    }

    /// <summary>What is wrong with an authorize request whose app and redirect URI are trusted (sent back to the app).</summary>
    private static EntraError? RequestProblem(IReadOnlyDictionary<string, string> p, EntraWebApp app)
    {
        var responseType = Get(p, "response_type");
        if (responseType is null)
        {
            return EntraError.Missing("response_type");
        }

        if (responseType != "code")
        {
            // The hybrid and implicit flows need "ID tokens" / "access tokens" enabled on the registration; never here.
            return new EntraError(400, "unsupported_response_type", 700054, $"response_type '{responseType}' is not enabled for the application.");
        }

        var scopes = Scopes(p);
        if (scopes.Length == 0)
        {
            return EntraError.Missing("scope");
        }

        if (!scopes.Contains("openid", StringComparer.Ordinal))
        {
            // Entra ID would run a plain OAuth flow; the emulator serves sign-in only and refuses (the stricter choice).
            return new EntraError(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The scope '{string.Join(' ', scopes)}' does not include 'openid'; this emulator serves user sign-in only.");
        }

        if (Get(p, "prompt") == "none")
        {
            // No single sign-on session is kept: a silent request never finds a signed-in user.
            return new EntraError(400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in.");
        }

        var challenge = Get(p, "code_challenge");
        var method = Get(p, "code_challenge_method");
        if (challenge is null)
        {
            if (method is not null)
            {
                return EntraError.Missing("code_challenge");
            }

            return app.RequirePkce
                ? new EntraError(400, "invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption. (The emulator requires PKCE of this app: EntraWebApp.RequirePkce.)")
                : null;
        }

        if (method is not (null or "plain" or "S256"))
        {
            return new EntraError(400, "invalid_request", 50149, "Invalid Code_Challenge_method parameter.");
        }

        var validSize = method == "S256" ? challenge.Length == 43 && IsUnreserved(challenge) : challenge.Length is >= 43 and <= 128 && IsUnreserved(challenge);
        return validSize ? null : new EntraError(400, "invalid_request", 501491, "Invalid size of Code_Challenge parameter.");
    }

    private async Task HandleLoginAsync(HttpContext http, string tenant)
    {
        var p = await ParametersAsync(http);
        var ctx = Get(p, "ctx");
        if (!IsTenant(tenant) || ctx is null || !_pending.TryGetValue(ctx, out var pending) || pending.Expires <= Now)
        {
            if (ctx is not null)
            {
                _pending.TryRemove(ctx, out _);
            }

            await SignInPages.WriteErrorPageAsync(http, new EntraError(400, "invalid_request", 50089,
                "Flow token expired - Authentication failed. Have the user try signing-in again with username -password."), Now);
            return;
        }

        var userName = (Get(p, "username") ?? "").Trim();
        var appName = pending.App.DisplayName ?? pending.App.ClientId;
        var user = directory.User(userName);
        if (user is null)
        {
            await SignInPages.WriteSignInFormAsync(http, LoginPath(tenant), ctx, appName, userName,
                $"このユーザー名のアカウントが見つかりません / We couldn't find an account with that username. (AADSTS50034: The user account {userName} does not exist in the {tenantId} directory.)", pending.RedirectUri);
            return;
        }

        var password = Get(p, "password") ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(user.Password)))
        {
            await SignInPages.WriteSignInFormAsync(http, LoginPath(tenant), ctx, appName, userName,
                "アカウントまたはパスワードが正しくありません / Your account or password is incorrect. (AADSTS50126: Error validating credentials due to invalid username or password.)", pending.RedirectUri);
            return;
        }

        if (!_pending.TryRemove(ctx, out _))
        {
            // The same sign-in page was submitted twice at once: only the first one signs in.
            await SignInPages.WriteErrorPageAsync(http, new EntraError(400, "invalid_request", 50089,
                "Flow token expired - Authentication failed. Have the user try signing-in again with username -password."), Now);
            return;
        }

        if (pending.App.AssignmentRequired && RolesOf(user, pending.App).Count == 0)
        {
            await SignInPages.WriteErrorPageAsync(http, new EntraError(400, "invalid_request", 50105,
                $"Your administrator has configured the application {appName} ('{pending.App.ClientId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{user.UserName}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator."), Now);
            return;
        }

        var code = TokenService.Base64Url(RandomNumberGenerator.GetBytes(48));
        var sessionId = Guid.NewGuid().ToString("D");
        _codes[code] = new IssuedCode(pending, user, ObjectIdOf(user), sessionId, Now + codeLifetime);
        var fields = new List<KeyValuePair<string, string>> { new("code", code) };
        if (pending.State is not null)
        {
            fields.Add(new("state", pending.State));
        }

        fields.Add(new("session_state", sessionId));
        await RespondAsync(http, pending.RedirectUri, pending.ResponseMode, fields);
    }

    /// <summary>
    /// The token endpoint's <c>authorization_code</c> grant; false (nothing written) for any other grant, which the
    /// client-credentials code answers as before.
    /// </summary>
    public async Task<bool> TryHandleTokenAsync(HttpContext http, string tenant)
    {
        if (!http.Request.HasFormContentType)
        {
            return false;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form["grant_type"].ToString() != "authorization_code")
        {
            return false;
        }

        var p = form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        var (status, body) = Redeem(tenant, p, http.Request.Headers.Authorization.ToString());
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.Headers.Pragma = "no-cache";
        await WriteJsonAsync(http, status, body);
        return true;
    }

    private (int Status, JsonObject Body) Redeem(string tenant, Dictionary<string, string> p, string authorization)
    {
        var now = Now;
        if (!IsTenant(tenant))
        {
            return Fail(EntraError.TenantNotFound(tenant));
        }

        // client_secret_basic: the client id and secret in a Basic header (each form-urlencoded, RFC 6749 §2.3.1).
        var (basicId, basicSecret) = Basic(authorization);
        var clientId = Get(p, "client_id") ?? basicId;
        if (clientId is null)
        {
            return Fail(EntraError.Missing("client_id"));
        }

        var app = directory.App(clientId);
        if (app is null)
        {
            return Fail(EntraError.UnknownClient(clientId, tenantId));
        }

        var secret = Get(p, "client_secret") ?? basicSecret;
        var assertion = Get(p, "client_assertion");
        if (app.ClientSecret is null)
        {
            if (secret is not null || assertion is not null)
            {
                return Fail(new EntraError(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."));
            }
        }
        else if (secret is null)
        {
            return Fail(new EntraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
        }
        else if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(app.ClientSecret)))
        {
            return Fail(new EntraError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + app.ClientId + "'."));
        }

        var code = Get(p, "code");
        if (code is null)
        {
            return Fail(EntraError.Missing("code"));
        }

        if (!_codes.TryGetValue(code, out var issued))
        {
            return Fail(new EntraError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."));
        }

        if (issued.Redeemed)
        {
            return Fail(CodeRedeemed);
        }

        if (issued.Expires <= now)
        {
            return Fail(new EntraError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
        }

        if (!string.Equals(issued.Request.App.ClientId, app.ClientId, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(new EntraError(400, "invalid_grant", 70000, "Provided grant is invalid or malformed: the authorization code was issued to another application."));
        }

        var redirectUri = Get(p, "redirect_uri");
        if (redirectUri is null)
        {
            return Fail(EntraError.Missing("redirect_uri"));
        }

        if (!app.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return Fail(EntraError.RedirectMismatch(redirectUri, app.ClientId));
        }

        if (!string.Equals(redirectUri, issued.Request.RedirectUri, StringComparison.Ordinal))
        {
            return Fail(new EntraError(400, "invalid_grant", 500112, $"The reply address '{redirectUri}' does not match the reply address '{issued.Request.RedirectUri}' provided when requesting Authorization code."));
        }

        if (issued.Request.CodeChallenge is { } challenge && !VerifierMatches(Get(p, "code_verifier"), challenge, issued.Request.CodeChallengeMethod))
        {
            // A failed attempt does not use the code up (what Entra ID does there is not documented).
            return Fail(new EntraError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
        }

        if (!issued.TryRedeem())
        {
            return Fail(CodeRedeemed);
        }

        return (200, TokenResponse(issued, now));

        (int, JsonObject) Fail(EntraError error) => (error.Status, error.Json(now));
    }

    private static EntraError CodeRedeemed => new(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");

    private JsonObject TokenResponse(IssuedCode issued, DateTimeOffset now)
    {
        var app = issued.Request.App;
        var scopes = issued.Request.Scopes;
        var user = issued.User;
        var claims = new JsonObject
        {
            ["aud"] = app.ClientId,
            ["iss"] = Issuer,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + tokenLifetime).ToUnixTimeSeconds(),
            ["aio"] = Opaque(),
        };
        if (scopes.Contains("email", StringComparer.Ordinal))
        {
            claims["email"] = user.Email ?? user.UserName;
        }

        if (scopes.Contains("profile", StringComparer.Ordinal))
        {
            claims["name"] = user.DisplayName ?? user.UserName;
        }

        if (issued.Request.Nonce is not null)
        {
            claims["nonce"] = issued.Request.Nonce;
        }

        if (scopes.Contains("profile", StringComparer.Ordinal))
        {
            // The profile scope is required for oid and preferred_username (ID token claims reference).
            claims["oid"] = issued.ObjectId;
            claims["preferred_username"] = user.UserName;
        }

        claims["rh"] = Opaque();
        var roles = RolesOf(user, app);
        if (roles.Count > 0)
        {
            claims["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)r)]);
        }

        if (app.GroupMembershipClaims && user.Groups.Count > 0)
        {
            if (user.Groups.Count <= MaxGroupsInJwt)
            {
                claims["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]);
            }
            else
            {
                claims["_claim_names"] = new JsonObject { ["groups"] = "src1" };
                claims["_claim_sources"] = new JsonObject { ["src1"] = new JsonObject { ["endpoint"] = $"{context.GraphBase}/users/{issued.ObjectId}/getMemberObjects" } };
            }
        }

        claims["sid"] = issued.SessionId;
        claims["sub"] = PairwiseSubject(app.ClientId, issued.ObjectId);
        claims["tid"] = tenantId;
        claims["uti"] = Opaque();
        claims["ver"] = "2.0";

        var granted = scopes.Where(s => s is "openid" or "profile" or "email").Append("User.Read");
        var seconds = (int)tokenLifetime.TotalSeconds;
        return new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', granted),
            ["expires_in"] = seconds,
            ["ext_expires_in"] = seconds,
            ["access_token"] = tokens.IssueForUser(app.ClientId),
            ["id_token"] = key.Sign(claims),
        };
    }

    private async Task HandleLogoutAsync(HttpContext http, string tenant)
    {
        var p = await ParametersAsync(http);
        if (!IsTenant(tenant))
        {
            await SignInPages.WriteErrorPageAsync(http, EntraError.TenantNotFound(tenant), Now);
            return;
        }

        var target = Get(p, "post_logout_redirect_uri");
        if (target is null)
        {
            await SignInPages.WriteSignedOutAsync(http, refused: null);
            return;
        }

        // The app is named by client_id or by the audience of the id_token_hint (a token this emulator signed);
        // without either, the URI must be registered for some app of the tenant.
        var hint = Get(p, "id_token_hint") is { } idToken ? key.Verify(idToken) : null;
        var clientId = Get(p, "client_id") ?? hint?["aud"]?.GetValue<string>();
        IEnumerable<EntraWebApp> apps = clientId is null ? directory.Apps : directory.App(clientId) is { } named ? [named] : [];
        if (!apps.Any(a => a.RedirectUris.Contains(target, StringComparer.Ordinal)))
        {
            await SignInPages.WriteSignedOutAsync(http, $"戻り先 URI がアプリに登録されていないため戻りません / Not sent back: the post_logout_redirect_uri '{target}' is not a redirect URI registered for the application.");
            return;
        }

        var state = Get(p, "state");
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.Redirect(state is null ? target : QueryHelpers.AddQueryString(target, "state", state));
    }

    /// <summary>Sends the answer (code or error) to the redirect URI in the request's response mode.</summary>
    private static async Task RespondAsync(HttpContext http, string redirectUri, string mode, List<KeyValuePair<string, string>> fields)
    {
        http.Response.Headers.CacheControl = "no-store, no-cache";
        switch (mode)
        {
            case "form_post":
                await SignInPages.WriteFormPostAsync(http, redirectUri, fields);
                break;
            case "fragment":
                http.Response.Redirect(redirectUri + "#" + string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value))));
                break;
            default:
                http.Response.Redirect(QueryHelpers.AddQueryString(redirectUri, fields.Select(f => new KeyValuePair<string, string?>(f.Key, f.Value))));
                break;
        }
    }

    private List<KeyValuePair<string, string>> ErrorFields(EntraError error, string? state)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("error", error.Error),
            new("error_description", error.Description(Now, out _)),
        };
        if (state is not null)
        {
            fields.Add(new("state", state));
        }

        return fields;
    }

    private static IReadOnlyList<string> RolesOf(SignInUser user, EntraWebApp app) =>
        user.AppRoles.FirstOrDefault(kv => string.Equals(kv.Key, app.ClientId, StringComparison.OrdinalIgnoreCase)).Value ?? [];

    private string ObjectIdOf(SignInUser user) =>
        user.ObjectId ?? context.Store.FindUser(user.UserName)?.Id ?? new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("oid:" + user.UserName.ToUpperInvariant())).AsSpan(0, 16)).ToString("D");

    /// <summary>A pairwise subject: stable per user and app, different between apps (as Entra ID's <c>sub</c>).</summary>
    private string PairwiseSubject(string clientId, string objectId) =>
        TokenService.Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}|{clientId.ToUpperInvariant()}|{objectId}")));

    private static string Opaque() => TokenService.Base64Url(RandomNumberGenerator.GetBytes(24));

    private static string LoginPath(string tenant) => $"/{Uri.EscapeDataString(tenant)}/login";

    private static bool VerifierMatches(string? verifier, string challenge, string? method)
    {
        if (verifier is null || verifier.Length is < 43 or > 128 || !IsUnreserved(verifier))
        {
            return false;
        }

        var expected = method == "S256" ? TokenService.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) : verifier;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(challenge));
    }

    /// <summary>RFC 7636's unreserved characters: A-Z a-z 0-9 - . _ ~</summary>
    private static bool IsUnreserved(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    private static string[] Scopes(IReadOnlyDictionary<string, string> p) =>
        (Get(p, "scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static (string? Id, string? Secret) Basic(string authorization)
    {
        if (!AuthenticationHeaderValue.TryParse(authorization, out var header) || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return (null, null);
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (null, null) : (Uri.UnescapeDataString(pair[..colon].Replace('+', ' ')), Uri.UnescapeDataString(pair[(colon + 1)..].Replace('+', ' ')));
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }

    /// <summary>The request's parameters: the query of a GET, the form of a POST (a value given twice counts as given once, joined).</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ParametersAsync(HttpContext http)
    {
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        }

        return http.Request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
    }

    private static string? Get(IReadOnlyDictionary<string, string> p, string name) => p.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    private static async Task WriteJsonAsync(HttpContext http, int status, JsonObject body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(body.ToJsonString(GraphJson.Output), http.RequestAborted);
    }
}

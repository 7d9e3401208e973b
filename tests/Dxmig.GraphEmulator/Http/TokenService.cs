using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dxmig.GraphEmulator.Http;

/// <summary>The Entra ID token endpoint's client-credentials grant (client secret or certificate-signed client
/// assertion) and the bearer tokens it issues, each for one resource: Microsoft Graph or Exchange Online (IMAP).
/// Tokens are random and expire; nothing here is ever logged.</summary>
internal sealed class TokenService(GraphEmulatorOptions options, string clientSecret, EmulatorContext context)
{
    /// <summary>Microsoft Graph's app-only default scope.</summary>
    public const string GraphDefaultScope = GraphResource + "/.default";

    /// <summary>Exchange Online's app-only default scope (IMAP, POP and SMTP with app-only OAuth).</summary>
    public const string ExchangeDefaultScope = ExchangeResource + "/.default";

    /// <summary>Microsoft Graph's resource (the audience of its tokens).</summary>
    public const string GraphResource = "https://graph.microsoft.com";

    /// <summary>Exchange Online's resource (the audience of its tokens).</summary>
    public const string ExchangeResource = "https://outlook.office365.com";

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>Answers a token request: (status, JSON body).</summary>
    public (int Status, JsonObject Body) Issue(string tenantInPath, IReadOnlyDictionary<string, string> form)
    {
        var now = context.Time.GetUtcNow();
        if (!string.Equals(tenantInPath, options.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(400, "invalid_request", 90002, $"Tenant '{tenantInPath}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", now);
        }

        if (Get(form, "grant_type") != "client_credentials")
        {
            return Fail(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type; only client_credentials is served here.", now);
        }

        var clientId = Get(form, "client_id");
        if (!string.Equals(clientId, options.ClientId, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{options.TenantId}'.", now);
        }

        var scopes = (Get(form, "scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var resource = scopes.Length != 1 ? null : ResourceOf(scopes[0]);
        if (resource is null)
        {
            return Fail(400, "invalid_scope", 1002012, $"The provided value for scope '{string.Join(' ', scopes)}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", now);
        }

        var secret = Get(form, "client_secret");
        var assertion = Get(form, "client_assertion");
        if ((secret is null) == (assertion is null))
        {
            return Fail(401, "invalid_client", 7000216, "Exactly one of 'client_assertion' and 'client_secret' is required.", now);
        }

        if (secret is not null)
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(clientSecret)))
            {
                return Fail(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.", now);
            }
        }
        else
        {
            if (Get(form, "client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                return Fail(400, "invalid_request", 50027, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.", now);
            }

            var audience = $"{context.Origin}/{tenantInPath}/oauth2/v2.0/token";
            var problem = AssertionProblem(assertion!, audience, now);
            if (problem is not null)
            {
                return Fail(401, "invalid_client", problem.Value.Code, problem.Value.Message, now);
            }
        }

        var token = "emu." + Base64Url(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = new IssuedToken(resource, options.TenantId, options.ClientId, now, now + options.TokenLifetime)
        {
            Roles = options.AppRoles is null ? null : new HashSet<string>(options.AppRoles, StringComparer.OrdinalIgnoreCase),
        };
        var seconds = (int)options.TokenLifetime.TotalSeconds;
        return (200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = seconds,
            ["ext_expires_in"] = seconds,
            ["access_token"] = token,
        });
    }

    /// <summary>An opaque Microsoft Graph access token issued with a user sign-in (the authorization_code grant, see
    /// <c>Identity/SignInService</c>). Delegated permissions are not emulated: it holds no application permission, so
    /// Graph refuses it (403) wherever a permission is needed.</summary>
    public string IssueForUser(string clientId)
    {
        var now = context.Time.GetUtcNow();
        var token = "emu." + Base64Url(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = new IssuedToken(GraphResource, options.TenantId, clientId, now, now + options.TokenLifetime)
        {
            Roles = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        };
        return token;
    }

    /// <summary>The application permissions of the token in an Authorization header <see cref="Check"/> accepted; null: every one.</summary>
    public IReadOnlySet<string>? RolesOf(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(authorization["Bearer ".Length..].Trim(), out var issued)
            ? issued.Roles
            : null;

    /// <summary>Null when the Authorization header carries a live token; else Graph's 401.</summary>
    public GraphErrorException? Check(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return new GraphErrorException(401, "InvalidAuthenticationToken", "Access token is empty.");
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return new GraphErrorException(401, "InvalidAuthenticationToken", "Access token validation failure: the Authorization header is not a Bearer token.");
        }

        var token = authorization["Bearer ".Length..].Trim();
        if (!_tokens.TryGetValue(token, out var issued))
        {
            return new GraphErrorException(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience or unknown token.");
        }

        if (!string.Equals(issued.Resource, GraphResource, StringComparison.Ordinal))
        {
            // Graph's words for a token of another resource (e.g. one for Exchange Online's IMAP).
            return new GraphErrorException(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
        }

        if (issued.Expires <= context.Time.GetUtcNow())
        {
            // Only Graph tokens are dropped here: an Exchange token keeps its expiry for ExchangeTokenExpiry.
            _tokens.TryRemove(token, out _);
            return new GraphErrorException(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
        }

        return null;
    }

    /// <summary>The token as issued (whatever its resource), or null when it was never issued or has been revoked.
    /// An expired token is still returned: the caller compares <see cref="IssuedToken.Expires"/> with its clock.</summary>
    public IssuedToken? Find(string token) => _tokens.TryGetValue(token, out var issued) ? issued : null;

    /// <summary>
    /// RFC 7662 introspection of <paramref name="token"/> as tenant <paramref name="tenantInPath"/>'s authority
    /// answers it: <c>{"active":false}</c> and nothing else for a token that is unknown, revoked, expired or of another
    /// tenant (RFC 7662 §2.2); else <c>active</c> with the token's audience, tenant, client and times, all flat JSON
    /// values (Dovecot 2.3's oauth2 passdb reads flat fields). Null when the tenant is not this emulator's.
    /// </summary>
    public JsonObject? Introspect(string tenantInPath, string token)
    {
        if (!string.Equals(tenantInPath, options.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var issued = Find(token);
        if (issued is null || issued.Expires <= context.Time.GetUtcNow() || !string.Equals(issued.TenantId, tenantInPath, StringComparison.OrdinalIgnoreCase))
        {
            return new JsonObject { ["active"] = false };
        }

        return new JsonObject
        {
            ["active"] = true,
            ["token_type"] = "Bearer",
            ["aud"] = issued.Resource,
            ["tid"] = issued.TenantId,
            ["iss"] = $"https://sts.windows.net/{issued.TenantId}/",
            ["client_id"] = issued.ClientId,
            ["appid"] = issued.ClientId,
            ["iat"] = issued.IssuedAt.ToUnixTimeSeconds(),
            ["nbf"] = issued.IssuedAt.ToUnixTimeSeconds(),
            ["exp"] = issued.Expires.ToUnixTimeSeconds(),
        };
    }

    /// <summary>Expires every issued token now (to test a client's refresh).</summary>
    public void RevokeAll() => _tokens.Clear();

    /// <summary>The resource of an app-only <c>{resource}/.default</c> scope this emulator issues for; null for any other.</summary>
    private static string? ResourceOf(string scope) =>
        string.Equals(scope, GraphDefaultScope, StringComparison.OrdinalIgnoreCase) ? GraphResource
        : string.Equals(scope, ExchangeDefaultScope, StringComparison.OrdinalIgnoreCase) ? ExchangeResource
        : null;

    private (int Code, string Message)? AssertionProblem(string jwt, string audience, DateTimeOffset now)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return (50012, "The client assertion is not a JWS compact serialization.");
        }

        JsonObject header;
        JsonObject claims;
        try
        {
            header = JsonNode.Parse(FromBase64Url(parts[0])) as JsonObject ?? throw new JsonException("header");
            claims = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject ?? throw new JsonException("payload");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return (50012, "The client assertion could not be decoded.");
        }

        var alg = header["alg"]?.GetValue<string>();
        var padding = alg switch
        {
            "RS256" => RSASignaturePadding.Pkcs1,
            "PS256" => RSASignaturePadding.Pss,
            _ => null,
        };
        if (padding is null)
        {
            return (5002738, $"The client assertion's algorithm '{alg}' is not supported (RS256, PS256).");
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        byte[] signature;
        try
        {
            signature = FromBase64Url(parts[2]);
        }
        catch (FormatException)
        {
            return (700027, "Client assertion failed signature validation.");
        }

        var verified = options.ClientCertificates.Any(c => Verifies(c, header, signed, signature, padding));
        if (!verified)
        {
            return (700027, "Client assertion failed signature validation: no registered certificate verifies it.");
        }

        if (!string.Equals(claims["aud"]?.GetValue<string>(), audience, StringComparison.Ordinal))
        {
            return (700212, $"The client assertion's audience must be the token endpoint '{audience}'.");
        }

        if (!string.Equals(claims["iss"]?.GetValue<string>(), options.ClientId, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(claims["sub"]?.GetValue<string>(), options.ClientId, StringComparison.OrdinalIgnoreCase))
        {
            return (700021, "The client assertion's iss and sub must both be the application's client id.");
        }

        if (!TryNumericDate(claims["exp"], out var exp))
        {
            return (700024, "The client assertion has no exp claim.");
        }

        if (DateTimeOffset.FromUnixTimeSeconds(exp) <= now)
        {
            return (700024, "Client assertion is not within its valid time range: it has expired.");
        }

        // Entra allows five minutes of clock skew on nbf.
        if (TryNumericDate(claims["nbf"], out var nbf) && DateTimeOffset.FromUnixTimeSeconds(nbf) > now.AddMinutes(5))
        {
            return (700024, "Client assertion is not within its valid time range: not yet valid.");
        }

        return null;
    }

    private static bool Verifies(X509Certificate2 cert, JsonObject header, byte[] signed, byte[] signature, RSASignaturePadding padding)
    {
        // A header that names a certificate (x5t: SHA-1, x5t#S256: SHA-256 thumbprint) must name this one.
        var x5t = header["x5t"]?.GetValue<string>();
        var x5tS256 = header["x5t#S256"]?.GetValue<string>();
        if (x5t is not null && x5t != Base64Url(cert.GetCertHash(HashAlgorithmName.SHA1)))
        {
            return false;
        }

        if (x5tS256 is not null && x5tS256 != Base64Url(cert.GetCertHash(HashAlgorithmName.SHA256)))
        {
            return false;
        }

        using var rsa = cert.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, padding);
    }

    /// <summary>A NumericDate claim; MSAL writes it as a JSON number or as a string of digits.</summary>
    private static bool TryNumericDate(JsonNode? node, out long seconds)
    {
        seconds = 0;
        return node is JsonValue v && (v.TryGetValue(out seconds)
            || (v.TryGetValue<string>(out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds)));
    }

    private static string? Get(IReadOnlyDictionary<string, string> form, string name) => form.TryGetValue(name, out var v) ? v : null;

    private static (int, JsonObject) Fail(int status, string error, int code, string description, DateTimeOffset now)
    {
        var trace = Guid.NewGuid().ToString("D");
        var timestamp = now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return (status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {trace} Timestamp: {timestamp}",
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = timestamp,
            ["trace_id"] = trace,
            ["correlation_id"] = trace,
        });
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Dxmig.GraphEmulator.Http;

/// <summary>Turns Kestrel requests into <see cref="GraphRequest"/>s and answers back: the 4 MB cap, bearer tokens,
/// request ids, connection aborts.</summary>
internal sealed class GraphHttpEndpoint(GraphPipeline pipeline, TokenService tokens)
{
    /// <summary>Graph refuses requests over 4 MB ("Maximum request length exceeded."); 4 MB is IIS's 4096 KB.</summary>
    public const int MaxRequestBytes = 4 * 1024 * 1024;

    /// <summary>What the endpoint reads of a drive upload-session fragment before refusing it (Graph's limit is 60 MiB).</summary>
    public const int MaxDriveFragmentBytes = 64 * 1024 * 1024;

    private const string JsonContentType = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

    public async Task HandleGraphAsync(HttpContext http)
    {
        await HandleAsync(http, "/v1.0", viaUploadUrl: false);
    }

    /// <summary>The <c>/beta</c> endpoint: its routes' templates start with <c>beta/</c>, so v1.0 never serves them.</summary>
    public async Task HandleBetaAsync(HttpContext http)
    {
        await HandleAsync(http, string.Empty, viaUploadUrl: false);
    }

    public async Task HandleUploadAsync(HttpContext http)
    {
        await HandleAsync(http, "/upload", viaUploadUrl: true);
    }

    public async Task HandleTokenAsync(HttpContext http, string tenant)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var values = form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        var (status, body) = tokens.Issue(tenant, values);
        http.Response.StatusCode = status;
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(body.ToJsonString(GraphJson.Output), http.RequestAborted);
    }

    /// <summary>The Exchange IMAP sandbox's token introspection (RFC 7662 over a form POST, as Dovecot's oauth2 passdb
    /// sends it with <c>introspection_mode = post</c>). Not a Microsoft API: Exchange validates its tokens itself.</summary>
    public async Task HandleIntrospectionAsync(HttpContext http, string tenant)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.ContentType = "application/json; charset=utf-8";
        if (!http.Request.HasFormContentType)
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("""{"error":"invalid_request","error_description":"the token goes in a form body (application/x-www-form-urlencoded)"}""", http.RequestAborted);
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var token = form["token"].ToString();
        if (token.Length == 0)
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("""{"error":"invalid_request","error_description":"the form has no token"}""", http.RequestAborted);
            return;
        }

        var answer = tokens.Introspect(tenant, token);
        if (answer is null)
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsync(new JsonObject { ["error"] = "invalid_tenant", ["error_description"] = $"Tenant '{tenant}' is not this emulator's." }.ToJsonString(GraphJson.Output), http.RequestAborted);
            return;
        }

        http.Response.StatusCode = 200;
        await http.Response.WriteAsync(answer.ToJsonString(GraphJson.Output), http.RequestAborted);
    }

    private async Task HandleAsync(HttpContext http, string prefix, bool viaUploadUrl)
    {
        var requestId = Guid.NewGuid().ToString("D");
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var path = http.Request.Path.Value![prefix.Length..];
        var query = QueryHelpers.ParseQuery(http.Request.QueryString.Value)
            .ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        // A drive upload session's fragments may be up to 60 MiB; the cap stays above that so the session refuses them in its own words.
        var cap = viaUploadUrl && path.StartsWith("/drives/", StringComparison.OrdinalIgnoreCase) ? MaxDriveFragmentBytes : MaxRequestBytes;
        var body = await ReadCappedAsync(http, cap);
        var request = new GraphRequest
        {
            Method = http.Request.Method,
            Path = path.Length == 0 ? "/" : path,
            Query = query,
            Headers = headers,
            Body = body ?? [],
            RequestId = requestId,
            ViaUploadUrl = viaUploadUrl,
        };

        if (body is null)
        {
            await WriteAsync(http, request, pipeline.Error(request, new GraphErrorException(413, "BadRequest", "Maximum request length exceeded.")));
            return;
        }

        if (!viaUploadUrl)
        {
            var denied = tokens.Check(headers.GetValueOrDefault("Authorization"));
            if (denied is not null)
            {
                var response = pipeline.Error(request, denied);
                response.Headers["WWW-Authenticate"] = "Bearer realm=\"\", authorization_uri=\"" + pipeline.Context.Origin + "/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";
                await WriteAsync(http, request, response);
                return;
            }

            request.Roles = tokens.RolesOf(headers.GetValueOrDefault("Authorization"));
        }
        else if (headers.ContainsKey("Authorization"))
        {
            // Graph documents that a PUT to an uploadUrl must not carry an Authorization header (the URL is
            // pre-authenticated). What the service does with one is not documented; the emulator refuses it.
            await WriteAsync(http, request, pipeline.Error(request, new GraphErrorException(401, "InvalidAuthenticationToken",
                "Do not send an Authorization header to an uploadUrl: it is pre-authenticated by its own token.")));
            return;
        }

        var result = await pipeline.ExecuteAsync(request, topLevel: true, http.RequestAborted);
        if (result.Abort)
        {
            http.Abort();
            return;
        }

        await WriteAsync(http, request, result);
    }

    /// <summary>The body, or null when it is larger than <paramref name="cap"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadCappedAsync(HttpContext http, int cap)
    {
        if (http.Request.ContentLength > cap)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + n > cap)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext http, GraphRequest request, GraphResponse response)
    {
        http.Response.StatusCode = response.Status;
        http.Response.Headers["request-id"] = request.RequestId;
        http.Response.Headers["client-request-id"] = request.ClientRequestId ?? request.RequestId;
        foreach (var (name, value) in response.Headers)
        {
            http.Response.Headers[name] = value;
        }

        if (response.Json is not null)
        {
            http.Response.ContentType = JsonContentType;
            await using var writer = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { Encoder = GraphJson.Output.Encoder });
            response.Json.WriteTo(writer);
            await writer.FlushAsync(http.RequestAborted);
        }
        else if (response.Bytes is not null)
        {
            http.Response.ContentType = response.ContentType ?? "application/octet-stream";
            http.Response.ContentLength = response.Bytes.Length;
            await http.Response.Body.WriteAsync(response.Bytes, http.RequestAborted);
        }
    }

    public static JsonObject OpenIdConfiguration(string origin, string tenant) => new()
    {
        ["token_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/token",
        ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
        ["jwks_uri"] = $"{origin}/{tenant}/discovery/v2.0/keys",
        ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
        ["subject_types_supported"] = new JsonArray("pairwise"),
        ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
        ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
        ["issuer"] = $"{origin}/{tenant}/v2.0",
        ["authorization_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/authorize",
        ["device_authorization_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/devicecode",
        ["end_session_endpoint"] = $"{origin}/{tenant}/oauth2/v2.0/logout",
        ["request_uri_parameter_supported"] = false,
        ["http_logout_supported"] = true,
        ["frontchannel_logout_supported"] = true,
        ["claims_supported"] = new JsonArray("sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"),
        ["tenant_region_scope"] = "AS",
    };
}

using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Handlers;
using Dxmig.GraphEmulator.Http;
using Dxmig.GraphEmulator.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dxmig.GraphEmulator;

/// <summary>A strict local Microsoft Graph (mail, contacts, $batch, attachment upload sessions) with the Entra ID
/// token endpoint in front, on loopback HTTPS with its own self-signed certificate, for the real Graph SDK and
/// Azure.Identity to run against. It enforces Graph's documented shapes and limits; where the service's behaviour is
/// not documented the code says so and picks the stricter choice.</summary>
public sealed class GraphEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TokenService _tokens;
    private readonly SignInDirectory _signIn;
    private readonly SigningKey _signingKey;

    private GraphEmulator(WebApplication app, TokenService tokens, EmulatorContext context, GraphEmulatorOptions options, string secret,
        X509Certificate2 certificate, EmulatorThrottling throttling, EmulatorFaults faults, EmulatorStats stats, ExchangeMailboxAccess mailboxAccess,
        SignInDirectory signIn, SigningKey signingKey)
    {
        _signIn = signIn;
        _signingKey = signingKey;
        MailboxAccess = mailboxAccess;
        _app = app;
        _tokens = tokens;
        Store = context.Store;
        TenantId = options.TenantId;
        ClientId = options.ClientId;
        ClientSecret = secret;
        Certificate = certificate;
        CertificateSha256 = FormatSha256(certificate);
        Throttling = throttling;
        Faults = faults;
        Stats = stats;
        Origin = context.Origin;
    }

    /// <summary>https://127.0.0.1:PORT/v1.0 — the GraphServiceClient base URL.</summary>
    public string BaseUrl => Origin + "/v1.0";

    /// <summary>https://127.0.0.1:PORT/ — Azure.Identity's AuthorityHost (with DisableInstanceDiscovery).</summary>
    public Uri AuthorityHost => new(Origin + "/");

    /// <summary>https://127.0.0.1:PORT</summary>
    public string Origin { get; }

    public int Port => new Uri(Origin).Port;

    public string TenantId { get; }

    public string ClientId { get; }

    /// <summary>The client secret the token endpoint accepts. Never log it.</summary>
    public string ClientSecret { get; }

    /// <summary>The emulator's self-signed TLS certificate (SAN IP 127.0.0.1, DNS localhost).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The TLS certificate in PEM, for a client that trusts a CA file (Dovecot's <c>tls_ca_cert_file</c>).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>SHA-256 of the TLS certificate, upper-case hex, colon separated: what clients pin.</summary>
    public string CertificateSha256 { get; }

    /// <summary>Read-back of everything stored.</summary>
    public EmulatorStore Store { get; }

    /// <summary>
    /// The variables dxmig's Graph job files read (<c>jobs/examples/mail-imap-to-graph.yaml</c>), pointing at this
    /// emulator: base URL, authority, tenant, client id and secret, and the certificate to pin.
    /// </summary>
    public IReadOnlyDictionary<string, string> JobEnvironment() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DXMIG_GRAPH_BASE_URL"] = BaseUrl,
        ["DXMIG_GRAPH_AUTHORITY"] = AuthorityHost.ToString(),
        ["DXMIG_GRAPH_TENANT"] = TenantId,
        ["DXMIG_GRAPH_CLIENT_ID"] = ClientId,
        ["DXMIG_GRAPH_CLIENT_SECRET"] = ClientSecret,
        ["DXMIG_GRAPH_CERT_SHA256"] = CertificateSha256,
    };

    public EmulatorStats Stats { get; }

    public EmulatorFaults Faults { get; }

    public EmulatorThrottling Throttling { get; }

    /// <summary>Starts on 127.0.0.1 (<see cref="GraphEmulatorOptions.Port"/>, 0 for a free port).</summary>
    public static async Task<GraphEmulator> StartAsync(GraphEmulatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var secret = options.ClientSecret ?? TokenService.Base64Url(RandomNumberGenerator.GetBytes(30));
        var certificate = CreateCertificate(options.TimeProvider.GetUtcNow());
        var store = new EmulatorStore();
        foreach (var upn in options.Users)
        {
            store.AddUser(upn);
        }

        var stats = new EmulatorStats();
        var faults = new EmulatorFaults(options.FaultSeed, stats);
        var throttling = new EmulatorThrottling(options.Throttling, options.TimeProvider);
        var context = new EmulatorContext { Store = store, Time = options.TimeProvider, UploadSessionLifetime = options.UploadSessionLifetime, MaxMessageBytes = options.MaxMessageBytes };
        var pipeline = new GraphPipeline(context, throttling, faults, stats);
        pipeline.Add(UserHandlers.Routes());
        pipeline.Add(MailFolderHandlers.Routes());
        pipeline.Add(MessageHandlers.Routes());
        pipeline.Add(AttachmentHandlers.Routes());
        pipeline.Add(UploadSessionHandlers.Routes());
        pipeline.Add(ContactHandlers.Routes());
        pipeline.Add(GroupHandlers.Routes());
        pipeline.Add(DeviceIdentityHandlers.Routes());
        pipeline.Add(SiteHandlers.Routes());
        pipeline.Add(DriveHandlers.Routes());
        pipeline.Add(DriveUploadHandlers.Routes());
        pipeline.Add(EventHandlers.Routes());
        pipeline.Add(PlaceHandlers.Routes());
        pipeline.Add(BatchHandler.Routes(pipeline));
        var tokens = new TokenService(options, secret, context);
        var endpoint = new GraphHttpEndpoint(pipeline, tokens);
        var signInDirectory = new SignInDirectory(options.WebApps, options.SignInUsers);
        var signingKey = new SigningKey(options.TimeProvider.GetUtcNow());
        var signIn = new SignInService(options.TenantId, context, tokens, signInDirectory, signingKey, options.AuthorizationCodeLifetime, options.TokenLifetime);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Bodies are capped by the endpoint itself (4 MB, in Graph's error shape), not by Kestrel.
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate));
        });
        var app = builder.Build();
        app.MapPost("/{tenant}/oauth2/v2.0/token", async (HttpContext http, string tenant) =>
        {
            stats.Count("", Operations.Token, http.Request.ContentLength ?? 0, 200);
            if (!await signIn.TryHandleTokenAsync(http, tenant))
            {
                await endpoint.HandleTokenAsync(http, tenant);
            }
        });
        signIn.Map(app);
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) =>
            Results.Text(GraphHttpEndpoint.OpenIdConfiguration(context.Origin, tenant).ToJsonString(), "application/json"));
        app.MapGet("/common/discovery/instance", () => Results.Text(new JsonObject
        {
            ["tenant_discovery_endpoint"] = $"{context.Origin}/{options.TenantId}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new JsonArray(new JsonObject
            {
                ["preferred_network"] = "127.0.0.1",
                ["preferred_cache"] = "127.0.0.1",
                ["aliases"] = new JsonArray("127.0.0.1"),
            }),
        }.ToJsonString(), "application/json"));
        app.MapPost("/{tenant}/_sandbox/exo-imap/introspect", (HttpContext http, string tenant) =>
        {
            stats.Count("", Operations.ExchangeImapIntrospect, http.Request.ContentLength ?? 0, 200);
            return endpoint.HandleIntrospectionAsync(http, tenant);
        });
        app.Map("/v1.0/{**rest}", endpoint.HandleGraphAsync);
        app.Map("/upload/{**rest}", endpoint.HandleUploadAsync);
        app.Map("/beta/{**rest}", endpoint.HandleBetaAsync);

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        context.Origin = "https://127.0.0.1:" + new Uri(address).Port;
        var mailboxAccess = new ExchangeMailboxAccess(store, options.UsersWithoutMailboxAccess);
        return new GraphEmulator(app, tokens, context, options, secret, certificate, throttling, faults, stats, mailboxAccess, signInDirectory, signingKey);
    }

    /// <summary>Exchange Online's app-only scope: a token for it opens mailboxes over IMAP (<c>AUTHENTICATE XOAUTH2</c>
    /// or <c>OAUTHBEARER</c>) and is refused by Graph.</summary>
    public const string ExchangeScope = TokenService.ExchangeDefaultScope;

    /// <summary>Microsoft Graph's app-only scope.</summary>
    public const string GraphScope = TokenService.GraphDefaultScope;

    /// <summary>The audience of a token for <see cref="ExchangeScope"/> (what a token introspection reports as <c>aud</c>).</summary>
    public const string ExchangeResource = TokenService.ExchangeResource;

    /// <summary>The app's Exchange FullAccess permissions on mailboxes (default: every mailbox).</summary>
    public ExchangeMailboxAccess MailboxAccess { get; }

    /// <summary>
    /// The exo-imap sandbox's token introspection endpoint for this tenant (<c>POST</c>, form <c>token=…</c>, RFC 7662
    /// answer): what Dovecot's oauth2 passdb calls to validate a token. Not a Microsoft API.
    /// </summary>
    public string ExchangeIntrospectionUrl => $"{Origin}/{TenantId}/_sandbox/exo-imap/introspect";

    /// <summary>Adds a user (and mailbox) while running; returns the existing one if the UPN is known.</summary>
    public StoredUser AddUser(string upn)
    {
        var user = Store.AddUser(upn).User;
        MailboxAccess.OnChanged();
        return user;
    }

    /// <summary>Removes the app's FullAccess on a mailbox: app-only IMAP logins to it are refused from now on.</summary>
    public void RevokeMailboxAccess(string upn) => MailboxAccess.Revoke(upn);

    /// <summary>Gives the app FullAccess on a mailbox again.</summary>
    public void GrantMailboxAccess(string upn) => MailboxAccess.Grant(upn);

    /// <summary>
    /// When an access token this emulator issued for Exchange Online (<see cref="ExchangeScope"/>) expires (a past
    /// time once it has); null for a token never issued, revoked, or issued for another resource. For an IMAP proxy
    /// that must drop a session when its token lapses, as Exchange does.
    /// </summary>
    public DateTimeOffset? ExchangeTokenExpiry(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var issued = _tokens.Find(token);
        return issued is not null && string.Equals(issued.Resource, TokenService.ExchangeResource, StringComparison.Ordinal) ? issued.Expires : null;
    }

    /// <summary>
    /// A client-credentials token from this emulator's token endpoint with the client secret, as Azure.Identity gets
    /// one (for a test that needs a token without the SDK): <paramref name="scope"/> is one <c>{resource}/.default</c>,
    /// <paramref name="tenant"/> defaults to <see cref="TenantId"/>. Never log the result.
    /// </summary>
    /// <exception cref="InvalidOperationException">The endpoint refused; the message holds its AADSTS error.</exception>
    public async Task<string> GetAccessTokenAsync(string scope, string? tenant = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        using var http = new HttpClient(CreatePinnedHandler());
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ClientId,
            ["client_secret"] = ClientSecret,
            ["scope"] = scope,
        });
        using var response = await http.PostAsync(new Uri($"{Origin}/{Uri.EscapeDataString(tenant ?? TenantId)}/oauth2/v2.0/token"), form, cancellationToken);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
        if (!response.IsSuccessStatusCode || body?["access_token"] is not JsonValue token)
        {
            throw new InvalidOperationException($"the token endpoint refused ({(int)response.StatusCode}): {body?["error_description"]?.GetValue<string>()}");
        }

        return token.GetValue<string>();
    }

    /// <summary>
    /// The OpenID Connect authority of <paramref name="tenant"/> (default <see cref="TenantId"/>):
    /// <c>https://127.0.0.1:PORT/{tenant}/v2.0</c>, the ID tokens' issuer, whose
    /// <c>/.well-known/openid-configuration</c> names the authorize, token, JWKS and logout endpoints.
    /// </summary>
    public string Authority(string? tenant = null) => $"{Origin}/{tenant ?? TenantId}/v2.0";

    /// <summary>The <c>kid</c> of the key that signs ID tokens (one RSA key per emulator, published in the JWKS).</summary>
    public string SigningKeyId => _signingKey.KeyId;

    /// <summary>Registers a web app for user sign-in while running (replaces one with the same client id).</summary>
    /// <exception cref="ArgumentException">A redirect URI is not an absolute URI without a fragment.</exception>
    public void AddWebApp(EntraWebApp app) => _signIn.Add(app);

    /// <summary>Adds a sign-in user while running, or replaces the one with the same user name (new roles, groups or
    /// password apply to the next sign-in).</summary>
    public void AddSignInUser(SignInUser user) => _signIn.Add(user);

    /// <summary>Invalidates every issued access token (the next Graph call gets 401 InvalidAuthenticationToken).</summary>
    public void RevokeTokens() => _tokens.RevokeAll();

    /// <summary>A handler that trusts exactly this emulator's certificate (by its SHA-256) and nothing else.</summary>
    public SocketsHttpHandler CreatePinnedHandler() => CreatePinnedHandler(CertificateSha256);

    /// <summary>A handler that trusts exactly the certificate with this SHA-256 (hex, colons optional).</summary>
    public static SocketsHttpHandler CreatePinnedHandler(string sha256)
    {
        var pin = sha256.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    cert is not null && string.Equals(cert.GetCertHashString(HashAlgorithmName.SHA256), pin, StringComparison.Ordinal),
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
        _signingKey.Dispose();
    }

    private static X509Certificate2 CreateCertificate(DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dxmig Graph emulator", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static string FormatSha256(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}

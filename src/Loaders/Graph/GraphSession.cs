using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Dxmig.Contracts;
using Microsoft.Graph;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// One connection to Graph for a run: the app's credential (Azure.Identity, certificate preferred), an HttpClient with
/// the Graph SDK's default middleware except its retry handler (dxmig's own retry, which knows which writes may
/// already have happened, is the only retry layer), a bearer-token handler, and TLS verified against the system store or
/// exactly the pinned certificate. <see cref="Http"/> sends dxmig's own JSON (message creates and <c>$batch</c>, whose
/// sizes dxmig must control); the Graph SDK's request builders are not used.
/// Upload-session chunks go through <see cref="Anonymous"/>: Graph's upload URLs carry their own token and refuse an
/// Authorization header.
/// </summary>
public sealed class GraphSession : IDisposable
{
    /// <summary>App-only permission scope of Graph (the same for the emulator).</summary>
    public const string Scope = "https://graph.microsoft.com/.default";

    private readonly SocketsHttpHandler transport;
    private readonly SocketsHttpHandler anonymousTransport;

    public GraphSession(GraphTargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if (!options.BaseUrl.Scheme.Equals(Uri.UriSchemeHttps, StringComparison.Ordinal) ||
            !options.AuthorityHost.Scheme.Equals(Uri.UriSchemeHttps, StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                $"Graph と認証先は https でなければなりません / Graph and the authority must be https: {options.BaseUrl}, {options.AuthorityHost}");
        }

        transport = Transport(options.PinnedSha256);
        anonymousTransport = Transport(options.PinnedSha256);
        Credential = CreateCredential(options, Transport(options.PinnedSha256));
        var handlers = GraphClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler).ToList();
        handlers.Add(new BearerTokenHandler(Credential, options.AuthorityHost));
        Http = GraphClientFactory.Create(handlers, finalHandler: transport);
        Http.Timeout = Timeout.InfiniteTimeSpan; // each request has its own timeout in GraphEngine
        Anonymous = new HttpClient(anonymousTransport, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public GraphTargetOptions Options { get; }

    public TokenCredential Credential { get; }

    /// <summary>Authenticated, with Graph's middleware; relative paths are appended to the base URL by <see cref="Url"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>No Authorization header: for upload URLs only.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>The absolute URL of a Graph path such as <c>/users/x/messages</c>.</summary>
    public Uri Url(string relative) => new(Options.BaseUrl.ToString().TrimEnd('/') + relative);

    /// <summary>The TLS check: the system store, or exactly the pinned certificate.</summary>
    public static RemoteCertificateValidationCallback Validator(string? pinnedSha256)
    {
        var pin = pinnedSha256?.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
        return (_, certificate, _, errors) => pin is { Length: > 0 }
            ? certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Equals(pin, StringComparison.OrdinalIgnoreCase)
            : errors == SslPolicyErrors.None;
    }

    public void Dispose()
    {
        Http.Dispose();
        Anonymous.Dispose();
        transport.Dispose();
        anonymousTransport.Dispose();
    }

    /// <summary>True when the exception (or one inside it) is a refused TLS certificate.</summary>
    public static bool Untrusted(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The plain-words failure for a certificate that is not trusted (or not the pinned one).</summary>
    public static AccountFailedException UntrustedCertificate(Uri? server, Exception inner) => new EndpointUnreachableException(
        "HTTPS", server is null ? string.Empty : Endpoint(server), EndpointFailureKind.Certificate,
        $"{server?.Host} の証明書を信頼できません (システムの信頼ストアにないか、certificate-sha256 と一致しません)。接続しませんでした",
        $"the certificate of {server?.Host} is not trusted (not in the system's trust store, or not the one certificate-sha256 pins); nothing was sent",
        inner);

    /// <summary>A Graph or sign-in server that cannot be reached at all (<see cref="EndpointFailure"/>): every account meets it.</summary>
    public static EndpointUnreachableException Unreachable(Uri server, string service, EndpointFailureKind kind, Exception inner)
    {
        ArgumentNullException.ThrowIfNull(server);
        var (reasonJa, reasonEn) = EndpointFailure.Reason(kind);
        return new EndpointUnreachableException(
            service, Endpoint(server), kind,
            $"{service} {Endpoint(server)} に接続できません ({reasonJa})", $"cannot connect to {service} {Endpoint(server)} ({reasonEn})", inner);
    }

    /// <summary>host:port of a URL, as the circuit names a server.</summary>
    public static string Endpoint(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{server.Host}:{server.Port}");
    }

    /// <summary>
    /// The app's credential alone (client certificate or secret, authority and pin as for Graph), for another resource
    /// of the same tenant, such as Exchange Online's IMAP. Tokens are cached and renewed by Azure.Identity.
    /// </summary>
    public static TokenCredential AppCredential(GraphTargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.AuthorityHost.Scheme.Equals(Uri.UriSchemeHttps, StringComparison.Ordinal))
        {
            throw new ConfigurationException($"認証先は https でなければなりません / the authority must be https: {options.AuthorityHost}");
        }

        return CreateCredential(options, Transport(options.PinnedSha256));
    }

    private static SocketsHttpHandler Transport(string? pin) => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validator(pin) },
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 256,
        AutomaticDecompression = System.Net.DecompressionMethods.All,
    };

    private static TokenCredential CreateCredential(GraphTargetOptions options, SocketsHttpHandler handler)
    {
        var transport = new HttpClientTransport(handler);
        if (options.ClientCertificate is { } certificate)
        {
            return new ClientCertificateCredential(options.TenantId, options.ClientId, certificate, new ClientCertificateCredentialOptions
            {
                AuthorityHost = options.AuthorityHost,
                DisableInstanceDiscovery = options.AuthorityHost != GraphTargetOptions.DefaultAuthorityHost,
                Transport = transport,
            });
        }

        if (options.ClientSecret is { Length: > 0 } secret)
        {
            return new ClientSecretCredential(options.TenantId, options.ClientId, secret, new ClientSecretCredentialOptions
            {
                AuthorityHost = options.AuthorityHost,
                DisableInstanceDiscovery = options.AuthorityHost != GraphTargetOptions.DefaultAuthorityHost,
                Transport = transport,
            });
        }

        throw new ConfigurationException(
            "Graph のアプリ資格情報 (証明書かシークレット) がありません / no Graph app credential (a certificate or a secret) is given");
    }

    /// <summary>Adds the app's token to every request (Azure.Identity caches it and renews it before it expires).</summary>
    private sealed class BearerTokenHandler(TokenCredential credential, Uri? authorityHost) : DelegatingHandler
    {
        private static readonly TokenRequestContext Context = new([Scope]);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            AccessToken token;
            try
            {
                token = await credential.GetTokenAsync(Context, cancellationToken);
            }
            catch (AuthenticationFailedException ex) when (Untrusted(ex))
            {
                throw UntrustedCertificate(request.RequestUri, ex);
            }
            catch (AuthenticationFailedException ex)
            {
                // The sign-in server out of reach, or the app's credential refused: the same for every account.
                var kind = EndpointFailure.Classify(ex)?.Kind ?? EndpointFailureKind.AdminLoginRefused;
                if (kind != EndpointFailureKind.AdminLoginRefused && authorityHost is not null)
                {
                    // Out of reach: the plain reason, not the identity library's retry advice.
                    throw Unreachable(authorityHost, "Microsoft Entra ID", kind, ex);
                }

                throw new EndpointUnreachableException(
                    "Microsoft Entra ID", authorityHost is null ? string.Empty : Endpoint(authorityHost), kind,
                    $"Graph のトークンを取得できません: {ex.Message}", $"cannot get a Graph token: {ex.Message}", ex);
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}

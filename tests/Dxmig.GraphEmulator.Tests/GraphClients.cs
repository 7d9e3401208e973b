using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Graph;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>The real SDK wired to an emulator the way dxmig wires it to Graph: Azure.Identity against the emulator's
/// authority (instance discovery off) and a pinned-certificate handler under Graph's default middleware.</summary>
internal static class GraphClients
{
    public static readonly string[] Scopes = ["https://graph.microsoft.com/.default"];

    public static ClientSecretCredential SecretCredential(GraphEmulator emu, string? secret = null) => new(
        emu.TenantId, emu.ClientId, secret ?? emu.ClientSecret,
        new ClientSecretCredentialOptions
        {
            AuthorityHost = emu.AuthorityHost,
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(emu.CreatePinnedHandler()),
            Retry = { MaxRetries = 0 },
        });

    /// <summary>A GraphServiceClient; <paramref name="maxRetry"/> sets the SDK's retry handler (0: see every fault).</summary>
    public static GraphServiceClient Client(GraphEmulator emu, int maxRetry = 0, Azure.Core.TokenCredential? credential = null) =>
        new(HttpClient(emu, maxRetry), new Microsoft.Graph.Authentication.AzureIdentityAuthenticationProvider(credential ?? SecretCredential(emu), ["127.0.0.1"], null, true, Scopes), emu.BaseUrl);

    public static HttpClient HttpClient(GraphEmulator emu, int maxRetry = 0)
    {
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        var retry = handlers.IndexOf(handlers.Single(h => h is RetryHandler));
        handlers[retry] = new RetryHandler(new RetryHandlerOption { MaxRetry = maxRetry, Delay = 1 });
        return GraphClientFactory.Create(handlers, finalHandler: emu.CreatePinnedHandler());
    }
}

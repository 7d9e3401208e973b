using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.GraphEmulator.Tests;

/// <summary>Tokens for Exchange Online (app-only IMAP): issued by the same token endpoint, remembered with their
/// resource, refused by Graph, and answered by the exo-imap sandbox's introspection endpoint.</summary>
public sealed class ExchangeTokenTests
{
    private const string User = "a@pref.example.jp";
    private static readonly string[] ExchangeScopes = [GraphEmulator.ExchangeScope];

    [Fact]
    public async Task AzureIdentity_GetsAnExchangeToken_WhoseExpiryTheEmulatorKnows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], TimeProvider = clock, TokenLifetime = TimeSpan.FromMinutes(5) }, CancellationToken.None);

        var token = await GraphClients.SecretCredential(emu).GetTokenAsync(new TokenRequestContext(ExchangeScopes), CancellationToken.None);
        var graphToken = await emu.GetAccessTokenAsync(GraphEmulator.GraphScope);

        emu.ExchangeTokenExpiry(token.Token).Should().Be(clock.GetUtcNow() + TimeSpan.FromMinutes(5));
        emu.ExchangeTokenExpiry(graphToken).Should().BeNull("a Graph token is not one for Exchange");
        emu.ExchangeTokenExpiry("garbage").Should().BeNull();
        clock.Advance(TimeSpan.FromMinutes(6));
        emu.ExchangeTokenExpiry(token.Token).Should().Be(clock.GetUtcNow() - TimeSpan.FromMinutes(1), "an expired token still has its expiry");
        emu.RevokeTokens();
        emu.ExchangeTokenExpiry(token.Token).Should().BeNull();
    }

    [Fact]
    public async Task GraphEndpoints_RefuseAnExchangeToken_InvalidAudience()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var token = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);
        using var http = new HttpClient(emu.CreatePinnedHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, emu.BaseUrl + "/users/" + User);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        ((int)response.StatusCode).Should().Be(401);
        body["error"]!["code"]!.GetValue<string>().Should().Be("InvalidAuthenticationToken");
        body["error"]!["message"]!.GetValue<string>().Should().Be("Access token validation failure. Invalid audience.");
    }

    [Fact]
    public async Task TwoScopesInOneRequest_AreRefused_OneResourceAToken()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);

        var act = () => emu.GetAccessTokenAsync(GraphEmulator.GraphScope + " " + GraphEmulator.ExchangeScope);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("AADSTS1002012");
    }

    [Fact]
    public async Task AnotherTenant_GetsNoExchangeToken()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var credential = new ClientSecretCredential("0d5a3c1e-7b2f-4e8a-9c6d-1f0e2b3a4c5d", emu.ClientId, emu.ClientSecret, new ClientSecretCredentialOptions
        {
            AuthorityHost = emu.AuthorityHost,
            DisableInstanceDiscovery = true,
            Transport = new Azure.Core.Pipeline.HttpClientTransport(emu.CreatePinnedHandler()),
            Retry = { MaxRetries = 0 },
        });

        var act = () => credential.GetTokenAsync(new TokenRequestContext(ExchangeScopes), CancellationToken.None).AsTask();

        (await act.Should().ThrowAsync<AuthenticationFailedException>()).Which.ToString().Should().Contain("AADSTS90002");
    }

    [Fact]
    public async Task Introspection_AnswersALiveTokenWithItsResourceTenantClientAndTimes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], TimeProvider = clock }, CancellationToken.None);
        var exchange = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);
        var graph = await emu.GetAccessTokenAsync(GraphEmulator.GraphScope);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();

        var (status, body) = await IntrospectAsync(emu, exchange);
        var (_, graphBody) = await IntrospectAsync(emu, graph);

        status.Should().Be(200);
        body.ToJsonString().Should().Be(new JsonObject
        {
            ["active"] = true,
            ["token_type"] = "Bearer",
            ["aud"] = "https://outlook.office365.com",
            ["tid"] = emu.TenantId,
            ["iss"] = $"https://sts.windows.net/{emu.TenantId}/",
            ["client_id"] = emu.ClientId,
            ["appid"] = emu.ClientId,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 3600,
        }.ToJsonString());
        graphBody["aud"]!.GetValue<string>().Should().Be("https://graph.microsoft.com");
        emu.Stats.TotalRequests(Operations.ExchangeImapIntrospect).Should().Be(2);
    }

    [Fact]
    public async Task Introspection_ExpiredUnknownAndRevokedTokens_AreInactiveAndNothingElse()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], TimeProvider = clock }, CancellationToken.None);
        var expired = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);
        clock.Advance(TimeSpan.FromHours(1));
        var revoked = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);
        var live = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);

        var expiredAnswer = await IntrospectAsync(emu, expired);
        var unknownAnswer = await IntrospectAsync(emu, "emu.unknown");
        emu.RevokeTokens();
        var revokedAnswer = await IntrospectAsync(emu, revoked);
        var liveAfterRevoke = await IntrospectAsync(emu, live);

        foreach (var (status, body) in new[] { expiredAnswer, unknownAnswer, revokedAnswer, liveAfterRevoke })
        {
            status.Should().Be(200);
            body.ToJsonString().Should().Be("""{"active":false}""");
        }
    }

    [Fact]
    public async Task Introspection_OfAnotherTenantOrWithoutAToken_IsAnError()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var token = await emu.GetAccessTokenAsync(GraphEmulator.ExchangeScope);
        using var http = new HttpClient(emu.CreatePinnedHandler());

        using var otherTenant = await http.PostAsync(new Uri(emu.ExchangeIntrospectionUrl.Replace(emu.TenantId, "0d5a3c1e-7b2f-4e8a-9c6d-1f0e2b3a4c5d", StringComparison.Ordinal)), Form(token));
        using var noToken = await http.PostAsync(new Uri(emu.ExchangeIntrospectionUrl), Form(""));
        using var json = await http.PostAsync(new Uri(emu.ExchangeIntrospectionUrl), new StringContent("""{"token":"x"}""", System.Text.Encoding.UTF8, "application/json"));

        ((int)otherTenant.StatusCode).Should().Be(404);
        (await otherTenant.Content.ReadAsStringAsync()).Should().Contain("invalid_tenant");
        ((int)noToken.StatusCode).Should().Be(400);
        ((int)json.StatusCode).Should().Be(400);
    }

    private static FormUrlEncodedContent Form(string token) => new(new Dictionary<string, string>(StringComparer.Ordinal) { ["token"] = token });

    private static async Task<(int Status, JsonNode Body)> IntrospectAsync(GraphEmulator emu, string token)
    {
        using var http = new HttpClient(emu.CreatePinnedHandler());
        using var form = Form(token);
        using var response = await http.PostAsync(new Uri(emu.ExchangeIntrospectionUrl), form);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }
}

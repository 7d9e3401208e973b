using Azure.Identity;
using Microsoft.Graph.Models.ODataErrors;

namespace Dxmig.GraphEmulator.Tests;

public sealed class AuthTests
{
    private const string User = "a@pref.example.jp";

    [Fact]
    public async Task ClientSecret_GetsTokenAndReadsUser()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);

        var user = await graph.Users[User].GetAsync();

        user!.UserPrincipalName.Should().Be(User);
        user.Id.Should().Be(emu.Store.FindUser(User)!.Id);
        emu.Stats.TotalRequests(Operations.Token).Should().Be(1);
    }

    [Fact]
    public async Task ClientCertificate_SignedAssertionIsAccepted_AnUnregisteredOneIsNot()
    {
        using var registered = SelfSigned("CN=dxmig app");
        using var other = SelfSigned("CN=someone else");
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], ClientCertificates = [registered] }, CancellationToken.None);
        ClientCertificateCredential Credential(System.Security.Cryptography.X509Certificates.X509Certificate2 cert) => new(emu.TenantId, emu.ClientId, cert,
            new ClientCertificateCredentialOptions
            {
                AuthorityHost = emu.AuthorityHost,
                DisableInstanceDiscovery = true,
                Transport = new Azure.Core.Pipeline.HttpClientTransport(emu.CreatePinnedHandler()),
                Retry = { MaxRetries = 0 },
            });

        var user = await GraphClients.Client(emu, credential: Credential(registered)).Users[User].GetAsync();
        var act = () => GraphClients.Client(emu, credential: Credential(other)).Users[User].GetAsync();

        user!.Mail.Should().Be(User);
        (await act.Should().ThrowAsync<AuthenticationFailedException>()).Which.ToString().Should().Contain("AADSTS700027");
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSigned(string subject)
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject, key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public async Task WrongSecret_IsRefusedByTheTokenEndpoint()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu, credential: GraphClients.SecretCredential(emu, "not-the-secret"));

        var act = () => graph.Users[User].GetAsync();

        (await act.Should().ThrowAsync<AuthenticationFailedException>()).Which.ToString().Should().Contain("AADSTS7000215");
    }

    [Fact]
    public async Task NoToken_Is401InvalidAuthenticationTokenInGraphShape()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var http = new HttpClient(emu.CreatePinnedHandler());

        using var response = await http.GetAsync(new Uri(emu.BaseUrl + "/users/" + User));
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        ((int)response.StatusCode).Should().Be(401);
        body["error"]!["code"]!.GetValue<string>().Should().Be("InvalidAuthenticationToken");
        body["error"]!["innerError"]!["request-id"]!.GetValue<string>().Should().Be(response.Headers.GetValues("request-id").Single());
        body["error"]!["innerError"]!["date"].Should().NotBeNull();
    }

    [Fact]
    public async Task RevokedToken_IsRefusedUntilTheClientGetsANewOne()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        var graph = GraphClients.Client(emu);
        await graph.Users[User].GetAsync();
        emu.RevokeTokens();

        var act = () => graph.Users[User].GetAsync();

        (await act.Should().ThrowAsync<ODataError>()).Which.Error!.Code.Should().Be("InvalidAuthenticationToken");
    }
}

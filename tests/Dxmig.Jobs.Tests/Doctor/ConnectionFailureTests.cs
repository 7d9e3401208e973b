using System.Net.Sockets;
using System.Text;
using Azure.Identity;
using Dxmig.Contracts;
using Dxmig.Jobs.Doctor;

namespace Dxmig.Jobs.Tests.Doctor;

/// <summary>The doctor's classifier: the kind comes from the socket error, the refusal's type or the server's code, however deep it is wrapped.</summary>
public sealed class ConnectionFailureTests
{
    [Theory]
    [InlineData(SocketError.ConnectionRefused, ConnectionFailureKind.Refused)]
    [InlineData(SocketError.HostNotFound, ConnectionFailureKind.Dns)]
    [InlineData(SocketError.TryAgain, ConnectionFailureKind.Dns)]
    [InlineData(SocketError.TimedOut, ConnectionFailureKind.Timeout)]
    [InlineData(SocketError.NetworkUnreachable, ConnectionFailureKind.Timeout)] // as the run's circuit counts it: no route, no answer
    public void KindOf_SocketErrorWrappedByTheConnector_IsFoundInside(SocketError error, ConnectionFailureKind expected)
    {
        var wrapped = new AccountFailedException("接続できません", "cannot connect", new IOException("io", new SocketException((int)error)));

        ConnectionFailure.KindOf(wrapped).Should().Be(expected);
    }

    [Fact]
    public void KindOf_MailKitLoginRefusal_IsAuthentication_AndATlsRefusalIsTls()
    {
        ConnectionFailure.KindOf(new AccountFailedException("j", "e", new MailKit.Security.AuthenticationException("NO [AUTHENTICATIONFAILED]")))
            .Should().Be(ConnectionFailureKind.Authentication);
        ConnectionFailure.KindOf(new MailKit.Security.SslHandshakeException("handshake", new System.Security.Authentication.AuthenticationException("remote certificate")))
            .Should().Be(ConnectionFailureKind.Tls);
        ConnectionFailure.KindOf(new AuthenticationFailedException("token", new HttpRequestException("tls", new System.Security.Authentication.AuthenticationException("chain"))))
            .Should().Be(ConnectionFailureKind.Tls, "a token request refused at TLS is a certificate problem, not a credential one");
        ConnectionFailure.KindOf(new AuthenticationFailedException("token", new HttpRequestException("down", new SocketException((int)SocketError.ConnectionRefused))))
            .Should().Be(ConnectionFailureKind.Refused);
    }

    [Fact]
    public void Classify_Refused_SaysWhereAndWhatToFix_InBothLanguages()
    {
        var (kind, reason, fix) = ConnectionFailure.Classify(new SocketException((int)SocketError.ConnectionRefused), "imap.pref.example.jp:993 (Tls)");

        kind.Should().Be(ConnectionFailureKind.Refused);
        reason.Should().Be("imap.pref.example.jp:993 (Tls) が接続を拒否しました (サーバーが止まっているか、ポートが違います) / imap.pref.example.jp:993 (Tls) refused the connection (the server is down or the port is wrong)");
        fix.Should().Contain(" / check that the server is running");
    }

    [Theory]
    [InlineData("AADSTS7000215: Invalid client secret provided.", "クライアント シークレットが違うか期限切れです (AADSTS7000215)")]
    [InlineData("AADSTS700016: Application with identifier 'x' was not found", "このテナントにアプリ (client-id) が見つかりません (AADSTS700016)")]
    [InlineData("AADSTS90002: Tenant 'x' not found.", "テナント (tenant-id) が見つかりません (AADSTS90002)")]
    [InlineData("AADSTS50000: something new", "Entra ID がトークンの発行を拒否しました (AADSTS50000)")]
    public void TokenRefusal_AadstsCode_InPlainWords(string message, string expected)
    {
        var refusal = ConnectionFailure.TokenRefusal(new AuthenticationFailedException("ClientSecretCredential authentication failed: " + message));

        refusal.Should().NotBeNull();
        refusal!.Value.Reason.Should().StartWith(expected);
    }

    [Fact]
    public void TokenRefusal_WithoutAnAadstsCode_IsNull()
    {
        ConnectionFailure.TokenRefusal(new AuthenticationFailedException("no route to host")).Should().BeNull();
    }

    [Fact]
    public void Roles_OfAnEntraToken_AreReadFromItsPayload_AnOpaqueTokenShowsNone()
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var jwt = $"{Part("""{"alg":"RS256"}""")}.{Part("""{"aud":"https://graph.microsoft.com","roles":["Mail.ReadWrite","User.Read.All"]}""")}.c2ln";

        GraphDoctor.Roles(jwt).Should().BeEquivalentTo("Mail.ReadWrite", "User.Read.All");
        GraphDoctor.Roles(Part("""{"alg":"none"}""") + "." + Part("""{"aud":"x"}""") + ".c2ln").Should().BeEmpty("an app with no permission has no roles claim");
        GraphDoctor.Roles("emu.opaque-token").Should().BeNull();
        GraphAppRole.UserReadWriteAll.GrantedBy(["Directory.ReadWrite.All"]).Should().BeTrue("a broader permission includes it");
        GraphAppRole.MailReadWrite.GrantedBy(["Mail.Read"]).Should().BeFalse("a read permission does not write");
    }
}

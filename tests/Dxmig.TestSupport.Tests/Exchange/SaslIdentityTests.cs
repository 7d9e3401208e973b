using System.Text;
using Dxmig.TestSupport.Exchange;

namespace Dxmig.TestSupport.Tests.Exchange;

public sealed class SaslIdentityTests
{
    [Theory]
    [InlineData("PLAIN", "\0tanaka*admin\0secret", "tanaka*admin", null)]
    [InlineData("PLAIN", "suzuki\0admin\0secret", "suzuki", null)]
    [InlineData("LOGIN", "user01", "user01", null)]
    [InlineData("XOAUTH2", "user=tanaka@example.com\u0001auth=Bearer eyJ0eXAi.abc\u0001\u0001", "tanaka@example.com", "eyJ0eXAi.abc")]
    [InlineData("OAUTHBEARER", "n,a=tanaka@example.com,\u0001host=imap\u0001port=993\u0001auth=Bearer tok\u0001\u0001", "tanaka@example.com", "tok")]
    [InlineData("OAUTHBEARER", "n,a=a=2Cb=3Dc,\u0001auth=Bearer tok\u0001\u0001", "a,b=c", "tok")]
    public void Decode_NamesTheUserAndToken(string mechanism, string response, string user, string? token)
    {
        SaslIdentity.Decode(mechanism, Convert.ToBase64String(Encoding.UTF8.GetBytes(response)))
            .Should().Be(new SaslIdentity(user, token));
    }

    [Theory]
    [InlineData("PLAIN", "not base64!")]
    [InlineData("PLAIN", "dGFuYWth")]
    [InlineData("XOAUTH2", "YXV0aD1CZWFyZXIgeA==")]
    [InlineData("GSSAPI", "dGFuYWth")]
    public void Decode_OfSomethingElse_IsNull(string mechanism, string response) =>
        SaslIdentity.Decode(mechanism, response).Should().BeNull();
}

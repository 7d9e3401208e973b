using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Http;

namespace Dxmig.GraphEmulator.Identity;

/// <summary>
/// The tenant's token-signing key: one RSA 2048 key per emulator instance, wrapped in a self-signed certificate as
/// Entra ID publishes its keys (JWKS entries carry <c>x5c</c>, and <c>kid</c> equals <c>x5t</c>, the base64url SHA-1
/// thumbprint of the certificate). ID tokens are RS256 JWS signed with it.
/// </summary>
internal sealed class SigningKey : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly RSA _rsa;

    public SigningKey(DateTimeOffset now)
    {
        _rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=dxmig Graph emulator token signing", _rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        KeyId = TokenService.Base64Url(_certificate.GetCertHash(HashAlgorithmName.SHA1));
    }

    /// <summary>The <c>kid</c> (and <c>x5t</c>) of the key.</summary>
    public string KeyId { get; }

    /// <summary>The JWKS document (<c>/{tenant}/discovery/v2.0/keys</c>) with this one key.</summary>
    public JsonObject Jwks(string issuer)
    {
        var parameters = _rsa.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["x5t"] = KeyId,
                ["n"] = TokenService.Base64Url(parameters.Modulus!),
                ["e"] = TokenService.Base64Url(parameters.Exponent!),
                ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)),
                ["issuer"] = issuer,
            }),
        };
    }

    /// <summary>A compact RS256 JWS of <paramref name="payload"/>.</summary>
    public string Sign(JsonObject payload)
    {
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = KeyId };
        var signed = Part(header) + "." + Part(payload);
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + TokenService.Base64Url(signature);

        static string Part(JsonObject json) => TokenService.Base64Url(Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    /// <summary>The payload of a JWS this key signed, or null when it is not one (bad shape or signature).</summary>
    public JsonObject? Verify(string jws)
    {
        var parts = jws.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var signature = FromBase64Url(parts[2]);
            if (!_rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return null;
            }

            return JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _rsa.Dispose();
    }

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dxmig.TestSupport;

/// <summary>
/// Certificates made for a test (CertificateRequest, RSA 2048, valid for a day): a CA, server certificates it issues
/// for given names, and self-signed ones; with their PEM files and SHA-256 fingerprints. Nothing touches the system's
/// trust store: a test trusts them through a CA file or a pin.
/// </summary>
public static class TestCertificates
{
    /// <summary>A CA certificate (with its key) that can issue server certificates.</summary>
    public static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A server certificate (with its key) for <paramref name="names"/> (DNS names or IP addresses), issued by <paramref name="ca"/>.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(ca);
        using var key = RSA.Create(2048);
        var request = ServerRequest(key, names);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(20), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A self-signed server certificate (with its key) for <paramref name="names"/>.</summary>
    public static X509Certificate2 SelfSigned(params string[] names)
    {
        using var key = RSA.Create(2048);
        return ServerRequest(key, names).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(20));
    }

    /// <summary>The certificate's SHA-256 as a job's certificate-sha256 takes it (colon-separated, to test that form too).</summary>
    public static string Sha256(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', Convert.ToHexString(SHA256.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)));
    }

    /// <summary>The certificate alone, PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.ExportCertificatePem();
    }

    /// <summary>The private key, PEM (PKCS#8).</summary>
    public static string KeyPem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("the certificate has no private key");
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Writes the certificate (PEM) to a file and returns its path.</summary>
    public static string WritePem(X509Certificate2 certificate, string path)
    {
        File.WriteAllText(path, CertificatePem(certificate));
        return path;
    }

    private static CertificateRequest ServerRequest(RSA key, string[] names)
    {
        var request = new CertificateRequest($"CN={names.FirstOrDefault() ?? "server"}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dxmig.Platform.Alerts;

/// <summary>
/// How the alert mail's SMTP server certificate is checked: exactly the pinned certificate (<c>certificate-sha256</c>);
/// or a chain to a trusted CA, the system's or the one in <c>ca-certificate</c>, with the host name matching. A
/// certificate that passes neither is refused.
/// </summary>
public static class SmtpCertificateCheck
{
    /// <exception cref="CryptographicException">The CA file holds no readable certificate.</exception>
    public static RemoteCertificateValidationCallback Validator(string? pinnedSha256, string? caCertificateFile)
    {
        var pin = pinnedSha256?.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        if (pin is { Length: > 0 })
        {
            return (_, certificate, _, _) =>
                certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Equals(pin, StringComparison.OrdinalIgnoreCase);
        }

        if (caCertificateFile is null)
        {
            return (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caCertificateFile);
        if (roots.Count == 0)
        {
            throw new CryptographicException($"no certificate in {caCertificateFile}");
        }

        return (_, certificate, chain, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            // The name must match and a certificate must be there whatever the trust: only the chain may end at the CA file.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements.Skip(1))
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return custom.Build(leaf);
        };
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dxmig.Loaders.Graph;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Jobs.Common;

/// <summary>
/// Reads a Graph target section of a job file: base URL (the real Graph by default, or the emulator), authority, tenant
/// and client ids, and the app's credential by reference only: a client certificate file (PEM with its key, or PFX
/// with a password by reference) preferred, else a client secret from an environment variable or a file.
/// </summary>
public static class GraphTargetReader
{
    public static readonly string[] Keys =
    [
        "type", "base-url", "authority-host", "tenant-id", "client-id", "client-secret-env", "client-secret-file",
        "client-certificate-file", "client-certificate-password-env", "client-certificate-password-file", "certificate-sha256",
        "max-message-size", "batch-size", "timeout-seconds",
    ];

    public static GraphTargetSettings? Read(JobSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var baseUrl = Url(section, "base-url", GraphTargetOptions.DefaultBaseUrl);
        var authority = Url(section, "authority-host", GraphTargetOptions.DefaultAuthorityHost);
        var tenant = section.Value("tenant-id", required: true);
        var client = section.Value("client-id", required: true);
        var secret = section.Secret("client-secret");
        var certificate = section.Value("client-certificate-file") is { } file ? section.ResolvePath(file) : null;
        var certificatePassword = section.Secret("client-certificate-password");
        var maxSize = section.Number("max-message-size", 1, int.MaxValue);
        var batchSize = section.Number("batch-size", 1, GraphTargetOptions.MaxBatchSize) ?? GraphTargetOptions.DefaultBatchSize;
        var timeout = section.Number("timeout-seconds", 5, 3600);
        if (certificate is null && secret is null)
        {
            section.Diagnostics.Error(section.Position,
                $"'{section.Path}' にはアプリの資格情報が必要です: client-certificate-file (推奨) か client-secret-env / client-secret-file",
                $"'{section.Path}' needs the app's credential: client-certificate-file (preferred) or client-secret-env / client-secret-file");
        }

        if (certificate is not null && !File.Exists(certificate))
        {
            section.Diagnostics.Error(section.PositionOf("client-certificate-file"), $"証明書ファイルがありません: {certificate}", $"the certificate file does not exist: {certificate}");
        }

        if (baseUrl is null || authority is null || tenant is null || client is null)
        {
            return null;
        }

        return new GraphTargetSettings(
            new GraphTargetOptions
            {
                BaseUrl = baseUrl,
                AuthorityHost = authority,
                TenantId = tenant,
                ClientId = client,
                PinnedSha256 = section.Value("certificate-sha256"),
                MaxMessageSize = maxSize ?? GraphTargetOptions.DefaultMaxMessageSize,
                BatchSize = batchSize,
                RequestTimeout = timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : GraphTargetOptions.DefaultRequestTimeout,
            },
            secret,
            certificate,
            certificatePassword);
    }

    private static Uri? Url(JobSection section, string key, Uri fallback)
    {
        var value = section.Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            section.Diagnostics.Error(section.PositionOf(key), $"'{key}' は https の URL でなければなりません: {value}", $"'{key}' must be an https URL: {value}");
            return null;
        }

        return uri;
    }
}

/// <summary>A Graph target as the job file gives it, with its secrets still as references.</summary>
public sealed record GraphTargetSettings(GraphTargetOptions Options, SecretReference? ClientSecret, string? CertificateFile, SecretReference? CertificatePassword)
{
    /// <summary>The options with the credential read (and registered with the log masker).</summary>
    /// <exception cref="ConfigurationException">The certificate cannot be read.</exception>
    public GraphTargetOptions Resolve(Func<string, string?> environment)
    {
        if (CertificateFile is null)
        {
            return Options with { ClientSecret = ClientSecret?.Resolve(environment) };
        }

        var password = CertificatePassword?.Resolve(environment);
        try
        {
            var certificate = CertificateFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || CertificateFile.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
                ? X509CertificateLoader.LoadPkcs12FromFile(CertificateFile, password)
                : password is null ? X509Certificate2.CreateFromPemFile(CertificateFile) : X509Certificate2.CreateFromEncryptedPemFile(CertificateFile, password);
            if (!certificate.HasPrivateKey)
            {
                throw new ConfigurationException($"証明書 {CertificateFile} に秘密鍵がありません / the certificate {CertificateFile} holds no private key");
            }

            return Options with { ClientCertificate = certificate };
        }
        catch (CryptographicException ex)
        {
            throw new ConfigurationException($"証明書 {CertificateFile} を読めません / cannot read the certificate {CertificateFile}: {ex.Message}", ex);
        }
    }
}

using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Dxmig.Contracts;
using Npgsql;

namespace Dxmig.Platform.Storage;

/// <summary>
/// How dxmig talks TLS to PostgreSQL (the ledger, the platform store, the scheduler's store): verified by default.
/// <list type="bullet">
/// <item>Off loopback, a connection string without <c>SSL Mode</c> gets <c>VerifyFull</c> (chain and host name,
/// against the system's trusted CAs or the CA file given as <c>Root Certificate</c>).</item>
/// <item>A mode that does not verify the certificate (<c>Disable</c>, <c>Allow</c>, <c>Prefer</c>, <c>Require</c>) to a
/// host that is not loopback is refused, unless the certificate is pinned.</item>
/// <item>A pinned certificate (<see cref="PinKeyword"/>, SHA-256 of the certificate, as IMAP's
/// <c>certificate-sha256</c>) is the only certificate accepted; Npgsql then runs in <c>Require</c> with dxmig's check.</item>
/// <item>On loopback (127.0.0.0/8, ::1, localhost, a Unix socket) nothing is imposed: plain is allowed, and a CA, a pin
/// or <c>SSL Mode</c> still ask for TLS there.</item>
/// </list>
/// </summary>
public static class PostgresTls
{
    /// <summary>dxmig's own connection-string keyword for a pinned server certificate (taken out before Npgsql sees it).</summary>
    public const string PinKeyword = "Certificate SHA256";

    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> PinnedSources = new(StringComparer.Ordinal);

    /// <summary>True when every host of the connection string is this machine (or a Unix socket): plain is allowed there.</summary>
    public static bool IsLocal(string? hosts)
    {
        if (string.IsNullOrWhiteSpace(hosts))
        {
            return true;
        }

        foreach (var part in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = part;
            if (host.StartsWith('/') || host.StartsWith('@'))
            {
                continue;
            }

            if (host.StartsWith('[') && host.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
            {
                host = host[1..close];
            }
            else if (host.Count(c => c == ':') == 1)
            {
                host = host[..host.IndexOf(':', StringComparison.Ordinal)];
            }

            var local = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
                        (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!local)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The pin as 64 upper-case hex digits (colons and spaces allowed in the setting).</summary>
    /// <exception cref="ConfigurationException">Not a SHA-256 fingerprint.</exception>
    public static string NormalizePin(string pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        var hex = pin.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
        {
            throw new ConfigurationException(
                "certificate-sha256 は証明書の SHA-256 (16 進 64 桁、コロン区切り可) で書いてください / " +
                "certificate-sha256 must be the certificate's SHA-256 (64 hex digits, colons allowed)");
        }

        return hex;
    }

    /// <summary>
    /// Takes dxmig's pin keyword out of a connection string (Npgsql does not know it) and tells whether the string set
    /// an SSL mode of its own.
    /// </summary>
    internal static (string ConnectionString, string? Pin, bool ExplicitMode) Split(string connectionString)
    {
        var generic = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? pin = null;
        foreach (var key in new[] { PinKeyword, "CertificateSHA256", "Certificate-SHA256", "certificate-sha256" })
        {
            if (generic.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text)
            {
                pin = text;
                generic.Remove(key);
            }
        }

        var explicitMode = generic.ContainsKey("SSL Mode") || generic.ContainsKey("SslMode");
        return (pin is null ? connectionString : generic.ConnectionString, pin, explicitMode);
    }

    /// <summary>Applies the policy above to a parsed connection string; returns the normalized pin, if any.</summary>
    /// <exception cref="ConfigurationException">The settings would leave the certificate unchecked off loopback, or contradict each other.</exception>
    internal static string? Apply(NpgsqlConnectionStringBuilder builder, string? pin, bool explicitMode, string baseDirectory)
    {
        var where = $"PostgreSQL {builder.Host}:{builder.Port}";
        var local = IsLocal(builder.Host);
        if (!string.IsNullOrWhiteSpace(builder.RootCertificate))
        {
            var full = Path.GetFullPath(builder.RootCertificate, baseDirectory);
            if (!File.Exists(full))
            {
                throw new ConfigurationException(
                    $"{where}: CA 証明書のファイル {full} がありません (ca-certificate) / the CA certificate file {full} does not exist (ca-certificate)");
            }

            builder.RootCertificate = full;
        }

        var trustAll = new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.TryGetValue("Trust Server Certificate", out var trust)
                       && bool.TryParse(trust?.ToString(), out var trusted) && trusted;
        if (pin is not null)
        {
            var normalized = NormalizePin(pin);
            if (!string.IsNullOrWhiteSpace(builder.RootCertificate))
            {
                throw new ConfigurationException(
                    $"{where}: CA 証明書 (ca-certificate) と証明書の固定 (certificate-sha256) はどちらか一方だけにしてください / " +
                    "give either a CA certificate (ca-certificate) or a pinned certificate (certificate-sha256), not both");
            }

            if (explicitMode && builder.SslMode is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
            {
                throw new ConfigurationException(
                    $"{where}: 証明書を固定するときは TLS が必要です。SSL Mode={builder.SslMode} を外してください / " +
                    $"a pinned certificate needs TLS; remove SSL Mode={builder.SslMode}");
            }

            // Npgsql checks the certificate itself in VerifyCA/VerifyFull and refuses a callback beside them; with a pin
            // the callback is the check (exactly that certificate), so the mode is Require.
            builder.SslMode = SslMode.Require;
            return normalized;
        }

        if (!string.IsNullOrWhiteSpace(builder.RootCertificate))
        {
            if (!explicitMode)
            {
                builder.SslMode = SslMode.VerifyFull;
            }
            else if (builder.SslMode is not (SslMode.VerifyCA or SslMode.VerifyFull))
            {
                throw new ConfigurationException(
                    $"{where}: CA 証明書 (ca-certificate) を指定したのに SSL Mode={builder.SslMode} では証明書を検証しません。SSL Mode を外すか VerifyFull にしてください / " +
                    $"a CA certificate (ca-certificate) is given but SSL Mode={builder.SslMode} does not verify the certificate; remove SSL Mode or set VerifyFull");
            }

            return null;
        }

        if (local)
        {
            return null;
        }

        if (trustAll || (explicitMode && builder.SslMode is SslMode.Disable or SslMode.Allow or SslMode.Prefer or SslMode.Require))
        {
            var setting = trustAll ? "Trust Server Certificate=true" : $"SSL Mode={builder.SslMode}";
            throw new ConfigurationException(
                $"{where}: {setting} ではサーバー証明書を検証しないため、ループバック以外には使えません。SSL Mode を外して検証 (VerifyFull、既定) にするか、" +
                "CA 証明書 (ca-certificate) か証明書の固定 (certificate-sha256) を指定してください / " +
                $"{setting} does not verify the server's certificate, so it is refused for a host that is not loopback; remove SSL Mode to verify " +
                "(VerifyFull, the default), or give a CA certificate (ca-certificate) or a pinned certificate (certificate-sha256)");
        }

        if (!explicitMode)
        {
            builder.SslMode = SslMode.VerifyFull;
        }

        return null;
    }

    /// <summary>A data source (one pool per connection string and pin, for the process) that accepts exactly the pinned certificate.</summary>
    public static NpgsqlDataSource PinnedDataSource(StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var pin = location.PinnedSha256 ?? throw new InvalidOperationException("the location has no pinned certificate");
        return PinnedSources.GetOrAdd(location.ConnectionString + "\n" + pin, _ =>
            new NpgsqlDataSourceBuilder(location.ConnectionString)
                .UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = PinValidator(pin))
                .Build());
    }

    /// <summary>Accepts exactly the certificate whose SHA-256 is <paramref name="pin"/> (64 hex digits).</summary>
    public static RemoteCertificateValidationCallback PinValidator(string pin) => (_, certificate, _, _) =>
        certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Equals(pin, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What a person reads when a connection was refused because the server's certificate did not pass (never the
    /// connection string, never a password); null when the failure is something else.
    /// </summary>
    public static ConfigurationException? Explain(Exception exception, StoreLocation location)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(location);
        if (location.Provider != StoreProvider.PostgreSql || !IsCertificateFailure(exception))
        {
            return null;
        }

        var where = location.Endpoint;
        var host = location.Host;
        return location.PinnedSha256 is not null
            ? new ConfigurationException(
                $"{where} のサーバー証明書が固定した証明書 (certificate-sha256) と違うため接続しませんでした。サーバーの証明書が更新されたのなら、" +
                "新しい証明書の SHA-256 をサーバー管理者に確かめて certificate-sha256 を設定し直してください / " +
                $"not connected: the server certificate of {where} is not the pinned one (certificate-sha256); if the server's certificate was " +
                "renewed, confirm the new certificate's SHA-256 with the server's admin and set certificate-sha256 again")
            : new ConfigurationException(
                $"{where} のサーバー証明書を検証できないため接続しませんでした (信頼された CA の発行でないか、証明書の名前が {host} と一致しません)。" +
                $"発行元の CA 証明書を ca-certificate に指定し、証明書に {host} の名前があるか確認してください (自己署名の証明書なら certificate-sha256 で固定できます) / " +
                $"not connected: the server certificate of {where} could not be verified (not issued by a trusted CA, or not made out to {host}); " +
                $"give the issuing CA's certificate with ca-certificate and check that the certificate names {host} (a self-signed certificate can be pinned with certificate-sha256)");
    }

    private static bool IsCertificateFailure(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }
}

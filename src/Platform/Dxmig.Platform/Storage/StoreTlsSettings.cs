using System.Data.Common;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Storage;

/// <summary>
/// The TLS settings of a PostgreSQL store as a job file (<c>ledger.tls</c>, <c>target.store-tls</c>) or
/// <c>dxmig serve</c> (<c>--store-ca-certificate</c>, <c>--store-certificate-sha256</c>) gives them, folded into the
/// store's connection string as Npgsql's <c>Root Certificate</c> / <c>SSL Mode</c> and dxmig's
/// <see cref="PostgresTls.PinKeyword"/>, which <see cref="StoreLocation.Parse"/> reads and checks in one place.
/// </summary>
public static class StoreTlsSettings
{
    /// <summary>The keys of a <c>tls:</c> section.</summary>
    public static readonly string[] Keys = ["ca-certificate", "certificate-sha256", "required"];

    /// <summary>The store string with the CA file (absolute) and the pin added.</summary>
    /// <exception cref="ConfigurationException">TLS settings for a store that is not PostgreSQL, or a setting given twice.</exception>
    public static string Fold(string store, string? caCertificate, string? certificateSha256, string baseDirectory, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        if (caCertificate is null && certificateSha256 is null && !required)
        {
            return store;
        }

        if (!StoreLocation.LooksLikePostgres(store) || store.Contains("://", StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                "TLS の設定 (ca-certificate, certificate-sha256, required) は PostgreSQL の接続文字列 (Host=…) にだけ使えます / " +
                "TLS settings (ca-certificate, certificate-sha256, required) apply only to a PostgreSQL connection string (Host=…)");
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = store };
        if (caCertificate is not null)
        {
            Set(builder, "Root Certificate", Path.GetFullPath(caCertificate, baseDirectory), "ca-certificate");
        }

        if (certificateSha256 is not null)
        {
            Set(builder, PostgresTls.PinKeyword, certificateSha256, "certificate-sha256");
        }

        if (required && caCertificate is null && certificateSha256 is null && !builder.ContainsKey("SSL Mode") && !builder.ContainsKey("SslMode"))
        {
            builder["SSL Mode"] = "VerifyFull";
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Reads the <c>tls:</c> section of a store (null: none) and folds it into <paramref name="store"/>; problems go to
    /// the diagnostics with the section's file:line, and the store is returned as it was.
    /// </summary>
    public static string Read(JobSection? section, string store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (section is null)
        {
            return store;
        }

        section.CheckKeys(Keys);
        var ca = section.Value("ca-certificate");
        var pin = section.Value("certificate-sha256");
        var required = section.Flag("required") ?? false;
        if (ca is not null && !File.Exists(section.ResolvePath(ca)))
        {
            section.Diagnostics.Error(section.PositionOf("ca-certificate"),
                $"CA 証明書のファイル {ca} がありません ({section.ResolvePath(ca)})", $"the CA certificate file {ca} does not exist ({section.ResolvePath(ca)})");
            return store;
        }

        try
        {
            if (pin is not null)
            {
                _ = PostgresTls.NormalizePin(pin);
            }

            return Fold(store, ca is null ? null : section.ResolvePath(ca), pin, Path.GetDirectoryName(Path.GetFullPath(section.File))!, required);
        }
        catch (ConfigurationException ex)
        {
            section.Diagnostics.Error(section.Position, ex.Message.Split(" / ", 2)[0], ex.Message.Split(" / ", 2) is { Length: 2 } parts ? parts[1] : ex.Message);
            return store;
        }
    }

    private static void Set(DbConnectionStringBuilder builder, string key, string value, string setting)
    {
        if (builder.ContainsKey(key))
        {
            throw new ConfigurationException(
                $"{setting} が接続文字列 ({key}) と TLS の設定の両方にあります。どちらか一方にしてください / " +
                $"{setting} is given both in the connection string ({key}) and in the TLS settings; give it once");
        }

        builder[key] = value;
    }
}

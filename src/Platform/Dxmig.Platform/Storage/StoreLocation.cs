using Dxmig.Contracts;

namespace Dxmig.Platform.Storage;

/// <summary>Which database engine a store uses.</summary>
public enum StoreProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Where a store (ledger, platform database) lives: a SQLite file path, or a PostgreSQL connection string
/// (<c>Host=…;Database=…;Username=…</c>, or a <c>postgresql://</c> URI). The password never sits in the job file: it
/// is given separately and joined here, and <see cref="ToString"/> never shows it.
/// </summary>
public sealed class StoreLocation
{
    private StoreLocation(StoreProvider provider, string connectionString, string display, string? pinnedSha256 = null, string host = "", int port = 0)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Display = display;
        PinnedSha256 = pinnedSha256;
        Host = host;
        Port = port;
    }

    public StoreProvider Provider { get; }

    /// <summary>The engine's name as a person reads it: "SQLite" or "PostgreSQL".</summary>
    public string ProviderName => Provider == StoreProvider.PostgreSql ? "PostgreSQL" : "SQLite";

    /// <summary>The provider's connection string, with the password when one was given: never print or log it.</summary>
    public string ConnectionString { get; }

    /// <summary>What may be shown to a person.</summary>
    public string Display { get; }

    /// <summary>PostgreSQL: the pinned server certificate's SHA-256 (64 hex digits), the only certificate accepted; else null.</summary>
    public string? PinnedSha256 { get; }

    /// <summary>PostgreSQL: the host(s) as the connection string names them; SQLite: empty.</summary>
    public string Host { get; }

    /// <summary>PostgreSQL: the port; SQLite: 0.</summary>
    public int Port { get; }

    /// <summary>PostgreSQL: "PostgreSQL host:port", for messages about the connection (no database, no user, no secret).</summary>
    public string Endpoint => $"PostgreSQL {Host}:{Port}";

    /// <summary>PostgreSQL: how the server's certificate is checked, in words (for validate and status); SQLite: empty.</summary>
    public string Security
    {
        get
        {
            if (Provider != StoreProvider.PostgreSql)
            {
                return string.Empty;
            }

            var mode = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).SslMode;
            return PinnedSha256 is not null ? "TLS (証明書を固定 / pinned certificate)"
                : mode == Npgsql.SslMode.VerifyFull ? "TLS (検証 / verified: VerifyFull)"
                : mode == Npgsql.SslMode.VerifyCA ? "TLS (検証 / verified: VerifyCA)"
                : $"ループバック / loopback (SSL Mode={mode})";
        }
    }

    /// <summary>
    /// PostgreSQL: the same location with a server setting applied to every session it opens (the connection string's
    /// <c>Options=-c name=value</c>, set once per physical connection). SQLite: this location.
    /// </summary>
    public StoreLocation WithSessionSetting(string name, string value)
    {
        if (Provider != StoreProvider.PostgreSql)
        {
            return this;
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? $"-c {name}={value}" : $"{builder.Options} -c {name}={value}";
        return new StoreLocation(Provider, builder.ConnectionString, Display, PinnedSha256, Host, Port);
    }

    /// <summary>Reads a location from a job file value.</summary>
    /// <param name="value">SQLite path (absolute, or relative to <paramref name="baseDirectory"/>) or PostgreSQL connection string.</param>
    /// <param name="baseDirectory">Folder relative SQLite paths are resolved against.</param>
    /// <param name="password">PostgreSQL password resolved from its reference, if any.</param>
    /// <remarks>
    /// PostgreSQL connections are verified by TLS unless the host is loopback (<see cref="PostgresTls"/>): the string may
    /// carry Npgsql's <c>SSL Mode</c> and <c>Root Certificate</c> (a CA file, relative to <paramref name="baseDirectory"/>)
    /// and dxmig's <c>Certificate SHA256</c> (a pinned server certificate).
    /// </remarks>
    /// <exception cref="ConfigurationException">The value is empty, carries a password inline, or would leave a remote server's certificate unchecked.</exception>
    public static StoreLocation Parse(string value, string baseDirectory, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationException("保存先が空です / the store location is empty");
        }

        var trimmed = value.Trim();
        if (trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = FromUri(new Uri(trimmed));
        }

        if (LooksLikePostgres(trimmed))
        {
            var (withoutPin, pin, explicitMode) = PostgresTls.Split(trimmed);
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(withoutPin);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                throw new ConfigurationException(
                    "接続文字列にパスワードを直接書くことはできません。password-env または password-file で参照してください / " +
                    "a connection string may not carry its password inline; reference it with password-env or password-file");
            }

            var display = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
            var normalizedPin = PostgresTls.Apply(builder, pin, explicitMode, baseDirectory);
            if (password is not null)
            {
                builder.Password = password;
            }

            return new StoreLocation(StoreProvider.PostgreSql, builder.ConnectionString, display, normalizedPin, builder.Host ?? string.Empty, builder.Port);
        }

        var path = trimmed.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? trimmed["sqlite:".Length..] : trimmed;
        var full = Path.GetFullPath(path, baseDirectory);
        return new StoreLocation(StoreProvider.Sqlite, $"Data Source={full};Pooling=True;Default Timeout=60", full);
    }

    /// <summary>True when the value is a PostgreSQL connection string rather than a file path.</summary>
    public static bool LooksLikePostgres(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Contains("Host=", StringComparison.OrdinalIgnoreCase) ||
               value.Contains("Server=", StringComparison.OrdinalIgnoreCase) ||
               value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
               value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }

    public override string ToString() => Display;

    private static string FromUri(Uri uri)
    {
        if (!string.IsNullOrEmpty(uri.UserInfo) && uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                "接続 URI にパスワードを直接書くことはできません / a connection URI may not carry its password inline");
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/'),
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            builder.Username = Uri.UnescapeDataString(uri.UserInfo);
        }

        return builder.ConnectionString;
    }
}

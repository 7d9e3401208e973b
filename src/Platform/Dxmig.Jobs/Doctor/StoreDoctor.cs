using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// The checks of a store (the ledger, the platform store), changing nothing: SQLite: its folder is writable (a file
/// made and removed beside it) and, when the database is there, its schema versions read with a read-only connection;
/// PostgreSQL: TCP, then a connection with the run's TLS settings (<see cref="StoreConnections"/>: verified CA or the
/// pinned certificate) and its password, and its schema versions read.
/// </summary>
public static class StoreDoctor
{
    /// <summary>The job's ledger.</summary>
    public static DoctorEndpoint Ledger(JobFile job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Endpoint("台帳 / ledger", job.Ledger, job.Directory, job.LedgerPassword, job.Environment);
    }

    /// <summary>A store given by its location (a path or a connection string without password) and its password's reference.</summary>
    public static DoctorEndpoint Endpoint(string role, string store, string baseDirectory, SecretReference? password, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(store);
        var shown = Shown(store, baseDirectory);
        return new DoctorEndpoint(role, shown, (probe, ct) => ProbeAsync(probe, store, baseDirectory, password, environment, shown, ct));
    }

    private static string Shown(string store, string baseDirectory)
    {
        try
        {
            var location = StoreLocation.Parse(store, baseDirectory);
            return location.Provider == StoreProvider.PostgreSql ? $"{location.Display} {location.Security}" : $"SQLite {location.Display}";
        }
        catch (Exception ex) when (ex is Contracts.ConfigurationException or ArgumentException or FormatException)
        {
            return "(?)";
        }
    }

    private static async Task ProbeAsync(
        DoctorProbe probe, string store, string baseDirectory, SecretReference? password, Func<string, string?> environment, string shown, CancellationToken ct)
    {
        StoreLocation? location = null;
        if (!await probe.StepAsync("設定と資格情報 / settings and credential", shown, _ =>
            {
                location = StoreLocation.Parse(store, baseDirectory, password?.Resolve(environment));
                return Task.FromResult<string?>(password is null ? null : $"パスワード ({password}) / password ({password})");
            }, ct))
        {
            return;
        }

        if (location!.Provider == StoreProvider.Sqlite)
        {
            await SqliteAsync(probe, location, ct);
            return;
        }

        if (!await probe.StepAsync("TCP 接続 / TCP connect", location.Endpoint, async token =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(location.Host.Split(',')[0], location.Port, token);
                return $"{tcp.Client.RemoteEndPoint}";
            }, ct))
        {
            return;
        }

        await probe.StepAsync($"接続とスキーマ ({location.Security}) / connect and schema", location.Endpoint, async token =>
        {
            var timed = location.WithSessionSetting("statement_timeout", ((int)probe.Request.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            await using var connection = await StoreConnections.OpenAsync(timed, token);
            return await SchemaAsync(connection, "SELECT to_regclass('dxmig_schema') IS NOT NULL", token);
        }, ct, ex => (ex as Contracts.ConfigurationException ?? PostgresTls.Explain(ex, location)) is { } refused
            // StoreConnections.OpenAsync says a refused certificate in plain words (its only ConfigurationException).
            ? (ConnectionFailureKind.Tls, refused.Message,
                "サーバー管理者に証明書の発行元 (CA) と SHA-256 を確かめ、store-tls / ledger.tls の ca-certificate か certificate-sha256 を合わせてください / "
                + "ask the server's admin for the certificate's issuing CA and SHA-256, and set ca-certificate or certificate-sha256 in store-tls / ledger.tls to match")
            : ex is PostgresException { SqlState: "28P01" or "28000" }
            ? (ConnectionFailureKind.Authentication,
                $"{location.Endpoint} がログインを拒否しました (ユーザー、パスワード、pg_hba.conf) / {location.Endpoint} refused the sign-in (user, password, pg_hba.conf)",
                "接続文字列の Username と password-env / password-file の値、サーバーの pg_hba.conf を確認してください / check Username in the connection string, the password-env / password-file value and the server's pg_hba.conf")
            : null);
    }

    private static async Task SqliteAsync(DoctorProbe probe, StoreLocation location, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(location.Display)!;
        if (!await probe.StepAsync("フォルダーに書き込めるか / folder is writable", folder, _ =>
            {
                // The run creates a missing folder: then the nearest folder that exists must take it.
                var existing = folder;
                while (!Directory.Exists(existing))
                {
                    existing = Path.GetDirectoryName(existing) ?? throw new DirectoryNotFoundException(folder);
                }

                var trial = Path.Combine(existing, $".dxmig-doctor-{Guid.NewGuid():N}");
                File.WriteAllBytes(trial, []);
                File.Delete(trial);
                return Task.FromResult<string?>(existing == folder ? folder : $"{existing} (フォルダー {folder} は最初の実行で作られます / the run creates {folder})");
            }, ct, ex => ex is UnauthorizedAccessException or IOException
                ? (ConnectionFailureKind.Permission,
                    $"フォルダー {folder} に書き込めません / cannot write in the folder {folder}",
                    "dxmig を実行するユーザーに書き込み権限を与えるか、ledger の場所を変えてください / give the user running dxmig write access, or move the ledger")
                : null))
        {
            return;
        }

        if (!File.Exists(location.Display))
        {
            probe.Ok("スキーマ / schema", "データベースはまだありません (最初の実行で作られます) / no database yet (the first run creates it)");
            return;
        }

        await probe.StepAsync("スキーマ (読み取り専用で開く) / schema (opened read-only)", location.Display, async token =>
        {
            await using var connection = new SqliteConnection($"Data Source={location.Display};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync(token);
            return await SchemaAsync(connection, "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'dxmig_schema'", token);
        }, ct);
    }

    /// <summary>The components and schema versions the store holds, e.g. "ledger v4, platform v7".</summary>
    private static async Task<string?> SchemaAsync(DbConnection connection, string exists, CancellationToken cancellationToken)
    {
        await using (var probe = connection.Command(exists))
        {
            if (!Convert.ToBoolean(await probe.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture))
            {
                return "スキーマはまだありません (最初の実行で作られます) / no schema yet (the first run creates it)";
            }
        }

        var found = new List<string>();
        await using var query = connection.Command("SELECT component, version FROM dxmig_schema ORDER BY component");
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add($"{reader.GetString(0)} v{reader.GetInt32(1)}");
        }

        return $"スキーマ / schema: {string.Join(", ", found)}";
    }
}

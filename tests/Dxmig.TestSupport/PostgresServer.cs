using System.Diagnostics;
using Dxmig.Sandbox;
using Npgsql;

namespace Dxmig.TestSupport;

/// <summary>
/// A private PostgreSQL server for tests: its own data directory under a temp folder, a free loopback port, trust
/// authentication on loopback only, stopped and removed on dispose. Never the system service. As root, the server
/// runs as the <c>postgres</c> user (PostgreSQL refuses root).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string bin;
    private readonly string root;
    private readonly string data;
    private readonly bool asPostgresUser;
    private int databases;

    private PostgresServer(string bin, string root, int port, bool asPostgresUser)
    {
        this.bin = bin;
        this.root = root;
        data = Path.Combine(root, "data");
        Port = port;
        this.asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    /// <exception cref="InvalidOperationException">PostgreSQL is not installed (run ./test.sh, which installs it).</exception>
    public static Task<PostgresServer> StartAsync() => StartAsync(tls: null);

    /// <summary>
    /// A server that also offers TLS (<c>ssl=on</c>) with the given server certificate and key, written to its data
    /// directory; plain connections are still accepted (trust on loopback).
    /// </summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed (run ./test.sh, which installs it).</exception>
    public static async Task<PostgresServer> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? tls)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql); ./test.sh installs it");
        }

        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), $"dxmig-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        if (asPostgres)
        {
            await Run("chown", ["-R", "postgres:postgres", root], false);
        }

        var server = new PostgresServer(bin, root, FreePort.Next(), asPostgres);
        await server.Exec("initdb", ["-D", server.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
        var socketDir = Path.Combine(root, "sock");
        await server.Exec("mkdir", ["-p", socketDir], useBin: false);
        var ssl = string.Empty;
        if (tls is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(server.data, "server.crt"), TestCertificates.CertificatePem(tls));
            await File.WriteAllTextAsync(Path.Combine(server.data, "server.key"), TestCertificates.KeyPem(tls));
            File.SetUnixFileMode(Path.Combine(server.data, "server.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (asPostgres)
            {
                await Run("chown", ["postgres:postgres", Path.Combine(server.data, "server.crt"), Path.Combine(server.data, "server.key")], true);
            }

            ssl = " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key";
        }

        await server.Exec("pg_ctl", [
            "-D", server.data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {server.Port} -h 127.0.0.1 -k {socketDir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200{ssl}",
            "start"]);
        return server;
    }

    /// <summary>A new empty database; its connection string (no password: trust on loopback).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Interlocked.Increment(ref databases)}_{Guid.NewGuid():N}"[..20];
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Pooling=true";

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await Exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private Task Exec(string tool, string[] args, bool useBin = true)
    {
        var file = useBin ? Path.Combine(bin, tool) : tool;
        if (asPostgresUser)
        {
            return Run("runuser", ["-u", "postgres", "--", file, .. args], true);
        }

        return Run(file, args, true);
    }

    private static async Task Run(string file, string[] args, bool check)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}

/// <summary>One PostgreSQL server shared by the tests of a collection.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    public PostgresServer Server => server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync() => server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Dxmig.Sandbox;

/// <summary>
/// A private Dovecot IMAP server for tests and for <c>dxmig demo</c>: its own dovecot.conf, base_dir, state_dir, log
/// and maildirs under <c>{parent}/dxmig-dovecot-{guid}</c> (the parent is <see cref="DovecotOptions.ParentDirectory"/>,
/// by default the system temp folder), plain IMAP on a free loopback port (and implicit TLS on a second one when
/// asked), users in a passwd-file and a master user in a second one that is declared first, so that
/// <c>user*admin</c> or SASL PLAIN with authzid=user, authcid=admin opens the user's mailbox. Never the system
/// service. Runs as <c>dovecot -F</c>, a child process stopped on dispose (and when the owning process exits without
/// disposing); the folder is removed.
/// </summary>
/// <remarks>
/// As root (this sandbox, CI), mail processes run as <c>nobody</c>, which owns the maildirs, so every folder above the
/// server's must let others search it (o+x); as any other user, everything (login, internal and mail processes) runs
/// as that user. When the server's folder is too deep for Unix socket paths (108 bytes), Dovecot's base_dir goes to a
/// short <c>$TMP/dxmig-dovecot-run-{id}</c> folder instead, removed with the server.
/// </remarks>
public sealed partial class DovecotServer : IAsyncDisposable
{
    private const string LoopbackHost = "127.0.0.1";
    private const string FolderPrefix = "dxmig-dovecot-";
    private const string RunFolderPrefix = "dxmig-dovecot-run-";
    private const string OwnerFile = "owner";

    /// <summary>The longest base_dir that leaves room for Dovecot's socket names (token-login/imap-urlauth …) in 108 bytes.</summary>
    private const int MaxRunDirectoryLength = 72;

    private static readonly string[] DovecotDirectories = ["/usr/sbin", "/usr/local/sbin"];
    private static readonly ConcurrentDictionary<DovecotServer, bool> Live = new();
    private static readonly object HookLock = new();
    private static List<PosixSignalRegistration>? signalHooks;

    private readonly DovecotOptions options;
    private readonly string instance;
    private readonly string dovecot;
    private readonly StringBuilder output = new();
    private Process? process;
    private int disposed;

    private DovecotServer(DovecotOptions options, string dovecot, string root, string runDirectory, int port, int tlsPort, string masterPassword)
    {
        this.options = options;
        this.dovecot = dovecot;
        Root = root;
        RunDirectory = runDirectory;
        Port = port;
        TlsPort = tlsPort;
        MasterPassword = masterPassword;
        instance = InstanceName(root);
        MailRoot = Path.Combine(root, "mail");
        LogPath = Path.Combine(root, "dovecot.log");
        ConfigPath = Path.Combine(root, "dovecot.conf");
    }

    /// <summary>Always the IPv4 loopback address: the server listens nowhere else.</summary>
    public string Host { get; } = LoopbackHost;

    /// <summary>The plain IMAP port (no TLS, no STARTTLS unless <see cref="DovecotOptions.Tls"/>).</summary>
    public int Port { get; }

    /// <summary>The implicit-TLS IMAP port; 0 when <see cref="DovecotOptions.Tls"/> is off.</summary>
    public int TlsPort { get; }

    public string MasterUser => options.MasterUser;

    public string MasterPassword { get; }

    public IReadOnlyDictionary<string, string> Users => options.Users;

    /// <summary>The folder holding everything; removed on dispose.</summary>
    public string Root { get; }

    /// <summary>
    /// Dovecot's base_dir (sockets, pid file): <c>{Root}/run</c>, or a short folder in the system temp folder when
    /// that path is too long for Unix sockets; removed on dispose.
    /// </summary>
    public string RunDirectory { get; }

    /// <summary>Where the users' homes are: <c>{MailRoot}/{user}/Maildir</c> is the mail store.</summary>
    public string MailRoot { get; }

    public string LogPath { get; }

    public string ConfigPath { get; }

    /// <summary>The self-signed certificate (PEM) of the TLS port; null when TLS is off.</summary>
    public string? CertificatePath { get; private set; }

    /// <summary>SHA-256 of the certificate's DER bytes, upper-case hex without separators; null when TLS is off.</summary>
    public string? CertificateSha256 { get; private set; }

    public long? MaxMessageSize => options.MaxMessageSize;

    /// <summary>Whether Dovecot is installed where <see cref="StartAsync"/> looks for it (/usr/sbin, /usr/local/sbin, PATH).</summary>
    public static bool IsInstalled => TryFindDovecot() is not null;

    /// <exception cref="InvalidOperationException">Dovecot is not installed, or did not start (its output and log are in the message).</exception>
    /// <exception cref="TimeoutException">Dovecot did not greet within <see cref="DovecotOptions.StartTimeout"/>.</exception>
    public static async Task<DovecotServer> StartAsync(DovecotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var dovecot = TryFindDovecot()
            ?? throw new InvalidOperationException("Dovecot is not installed (apt-get install dovecot-imapd); ./test.sh and ./dxmig demo install it");
        RegisterExitHooks();
        var parent = options.ParentDirectory ?? Path.GetTempPath();
        ReapAbandoned(parent);
        var id = Guid.NewGuid().ToString("N");
        var root = Path.Combine(parent, FolderPrefix + id);
        var runDirectory = Path.Combine(root, "run");
        if (runDirectory.Length > MaxRunDirectoryLength)
        {
            // The instance name is taken from the last 12 characters of the folder name: the same for both folders.
            runDirectory = Path.Combine(Path.GetTempPath(), RunFolderPrefix + id);
        }

        var port = FreePort.Next();
        var tlsPort = 0;
        while (options.Tls && (tlsPort == 0 || tlsPort == port))
        {
            tlsPort = FreePort.Next();
        }

        Directory.CreateDirectory(root);
        var owner = ProcessIdentity(Environment.ProcessId) ?? string.Empty;
        File.WriteAllText(Path.Combine(root, OwnerFile), owner);
        var server = new DovecotServer(options, dovecot, root, runDirectory, port, tlsPort, options.MasterPassword ?? RandomNumberGenerator.GetHexString(24, lowercase: true));
        Live[server] = true;
        if (!server.RunDirectory.StartsWith(root, StringComparison.Ordinal))
        {
            Directory.CreateDirectory(server.RunDirectory);
            File.WriteAllText(Path.Combine(server.RunDirectory, OwnerFile), owner);
        }

        try
        {
            await server.PrepareAsync();
            await server.StartProcessAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Whether a server in <paramref name="parentDirectory"/> would work: always when this process is not root; as root
    /// (mail processes run as nobody) only when that folder and every folder above it let others search them (o+x).
    /// </summary>
    public static async Task<bool> MailProcessesCanReachAsync(string parentDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(parentDirectory);
        return !(await PosixIdentity.CurrentAsync()).IsRoot || FirstUnsearchableFolder(parentDirectory) is null;
    }

    /// <summary>The login that opens <paramref name="user"/>'s mailbox with the master password: <c>user*admin</c>.</summary>
    public string MasterLogin(string user) => $"{user}*{MasterUser}";

    /// <summary>The maildir of a user (exists once the user has logged in).</summary>
    public string MailDirectory(string user) => Path.Combine(MailRoot, user, "Maildir");

    /// <summary>A connected, authenticated client on the plain port; the caller disposes it.</summary>
    public async Task<ImapClient> ConnectAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(Host, Port, SecureSocketOptions.None, cancellationToken);
            await client.AuthenticateAsync(userName, password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>A client logged into <paramref name="user"/>'s mailbox as the master user (<c>user*admin</c>).</summary>
    public Task<ImapClient> ConnectAsMasterAsync(string user, CancellationToken cancellationToken = default) =>
        ConnectAsync(MasterLogin(user), MasterPassword, cancellationToken);

    /// <summary>The server log so far (logins, errors); empty before the first line is written.</summary>
    public string ReadLog()
    {
        if (!File.Exists(LogPath))
        {
            return string.Empty;
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Stops the server and starts it again on the same ports with the same mail; open connections drop.</summary>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await StopProcessAsync(graceful: true);
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopProcessAsync(graceful: false);
        }
        finally
        {
            Live.TryRemove(this, out _);
            DeleteRoot();
        }
    }

    private static void Validate(DovecotOptions options)
    {
        static void Check(string what, string value, string forbidden)
        {
            if (string.IsNullOrEmpty(value) || value.IndexOfAny([.. forbidden, '\r', '\n']) >= 0)
            {
                throw new ArgumentException($"{what} '{value}' is empty or contains one of '{forbidden}' or a line break", nameof(options));
            }
        }

        Check("master user", options.MasterUser, ":* \t");
        if (options.MasterPassword is not null)
        {
            Check("master password", options.MasterPassword, ":");
        }

        foreach (var (name, password) in options.Users)
        {
            Check("user", name, ":*/ \t");
            Check($"password of {name}", password, ":");
        }

        foreach (var (folder, use) in options.SpecialUseFolders)
        {
            Check("special-use folder", folder, "\"\\*%");
            Check("special-use attribute", use, "\" \t");
        }

        if (options.OAuth2 is { } oauth2)
        {
            ValidateOAuth2(oauth2);
        }

        if (options.MaxMessageSize is <= 0)
        {
            throw new ArgumentException("MaxMessageSize must be positive", nameof(options));
        }

        if (options.ParentDirectory is { } parent && (!Path.IsPathFullyQualified(parent) || parent.IndexOfAny([' ', '\t', '\r', '\n', '"']) >= 0))
        {
            throw new ArgumentException($"ParentDirectory '{parent}' must be an absolute path without spaces, quotes or line breaks (it is written into dovecot.conf)", nameof(options));
        }
    }

    private static string? TryFindDovecot()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var candidates = DovecotDirectories.Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.Select(d => Path.Combine(d, "dovecot")).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Servers not disposed when the owning process ends (a test host that exits early, Ctrl+C, a SIGTERM from a
    /// timeout) are killed and their folders removed. A SIGKILLed process can run no code: the next
    /// <see cref="StartAsync"/> in any process reaps what it left in the same parent folder (see <see cref="ReapAbandoned"/>).
    /// </summary>
    private static void RegisterExitHooks()
    {
        lock (HookLock)
        {
            if (signalHooks is not null)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            signalHooks = [];
            if (!OperatingSystem.IsWindows())
            {
                // The handlers do not cancel the signal: the process still ends as it would have.
                foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                {
                    signalHooks.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
                }
            }
        }
    }

    private static void KillAll()
    {
        foreach (var server in Live.Keys)
        {
            server.KillNow();
        }
    }

    /// <summary>
    /// Removes the folders (and kills the processes) of servers in <paramref name="parentDirectory"/> (and of their
    /// run folders in the system temp folder) whose owning process is gone without disposing them: each folder names
    /// its owner (pid and start time, so a reused pid does not count as alive). Servers of live processes are left alone.
    /// </summary>
    public static void ReapAbandoned(string parentDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(parentDirectory);
        if (!Directory.Exists(parentDirectory))
        {
            return;
        }

        var folders = Directory.EnumerateDirectories(parentDirectory, FolderPrefix + "*");
        var temp = Path.TrimEndingDirectorySeparator(Path.GetTempPath());
        if (!string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(parentDirectory)), temp, StringComparison.Ordinal))
        {
            folders = folders.Concat(Directory.EnumerateDirectories(temp, RunFolderPrefix + "*"));
        }

        foreach (var folder in folders.ToList())
        {
            string owner;
            try
            {
                owner = File.ReadAllText(Path.Combine(folder, OwnerFile)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being created or removed right now, or someone else's: not ours to reap.
                continue;
            }

            var pid = owner.Split(' ')[0];
            if (owner.Length == 0 || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var ownerPid) || ProcessIdentity(ownerPid) == owner)
            {
                continue;
            }

            KillInstanceProcesses(folder);
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process is reaping the same folder, or it is not ours to delete; it is left as it is.
            }
        }
    }

    /// <summary>"pid starttime" from /proc/pid/stat; null when there is no such process or it has ended.</summary>
    private static string? ProcessIdentity(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // A zombie (state Z) has ended; its parent just has not collected it yet.
            return fields[0] == "Z" ? null : $"{pid.ToString(CultureInfo.InvariantCulture)} {fields[19]}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No such process (any more).
            return null;
        }
    }

    /// <summary>The first of <paramref name="directory"/> and the folders above it that others may not search; null when none.</summary>
    private static string? FirstUnsearchableFolder(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        for (var folder = new DirectoryInfo(Path.GetFullPath(directory)); folder is not null; folder = folder.Parent)
        {
            if (folder.Exists && !folder.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return folder.FullName;
            }
        }

        return null;
    }

    private static string InstanceName(string root) => "dxmig-" + Path.GetFileName(root)[^12..];

    private async Task PrepareAsync()
    {
        // The mail processes run as nobody when we are root, so the folders above the maildirs must be searchable
        // whatever the umask is.
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Dovecot sandbox servers run on Linux");
        }

        File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Directory.CreateDirectory(MailRoot);
        var identity = await PosixIdentity.CurrentAsync();
        if (identity.IsRoot && FirstUnsearchableFolder(Path.GetDirectoryName(Root)!) is { } blocked)
        {
            throw new InvalidOperationException(
                $"Dovecot's mail processes run as nobody and cannot reach {Root}: {blocked} does not let others search it (o+x); choose another ParentDirectory");
        }

        if (identity.IsRoot)
        {
            await Check("chown", [$"{identity.MailUid}:{identity.MailGid}", MailRoot]);
        }

        // passwd-files are read by the auth process, which runs as the dovecot user when we are root: readable by all.
        // They hold throwaway sandbox passwords only.
        var masterFile = Path.Combine(Root, "master-users");
        var usersFile = Path.Combine(Root, "users");
        File.WriteAllText(masterFile, $"{MasterUser}:{{PLAIN}}{MasterPassword}::::::\n");
        File.WriteAllText(usersFile, string.Concat(options.Users.Select(u => $"{u.Key}:{{PLAIN}}{u.Value}::::::\n")));
        foreach (var file in new[] { masterFile, usersFile })
        {
            // Whatever the umask (./dxmig sets 077): the auth process must read them.
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        string? certificate = null;
        string? key = null;
        if (options.Tls)
        {
            (certificate, key) = WriteCertificate();
        }

        if (options.OAuth2 is { } oauth2)
        {
            WriteOAuth2Files(oauth2);
        }

        File.WriteAllText(ConfigPath, BuildConfiguration(identity, masterFile, usersFile, certificate, key));
    }

    private (string Certificate, string Key) WriteCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost, O=dxmig test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certificatePath = Path.Combine(Root, "server.crt");
        var keyPath = Path.Combine(Root, "server.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        CertificatePath = certificatePath;
        CertificateSha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        return (certificatePath, keyPath);
    }

    private string BuildConfiguration(PosixIdentity identity, string masterFile, string usersFile, string? certificate, string? key)
    {
        var c = new StringBuilder();
        void Line(string text) => c.Append(text).Append('\n');

        Line("# A private sandbox server written by Dxmig.Sandbox.DovecotServer; not the system service.");
        Line($"instance_name = {instance}");
        Line($"base_dir = {RunDirectory}");
        Line($"state_dir = {Path.Combine(Root, "state")}");
        Line($"log_path = {LogPath}");
        Line("protocols = imap");
        Line($"listen = {LoopbackHost}");
        Line("disable_plaintext_auth = no");
        if (certificate is null)
        {
            Line("ssl = no");
        }
        else
        {
            // ssl = yes is needed for the implicit-TLS listener; it also makes the plain port offer STARTTLS.
            Line("ssl = yes");
            Line($"ssl_cert = <{certificate}");
            Line($"ssl_key = <{key}");
            Line("ssl_min_protocol = TLSv1.2");
        }

        Line(options.OAuth2 is null ? "auth_mechanisms = plain login" : $"auth_mechanisms = plain login {OAuth2Mechanisms}");
        Line("auth_master_user_separator = *");
        Line("auth_verbose = yes");
        // A failed login is answered at once, and no penalty is kept for 127.0.0.1: tests log in wrongly on purpose
        // and must not slow down the ones after them.
        Line("auth_failure_delay = 0");
        Line("first_valid_uid = 1");
        Line("first_valid_gid = 1");
        if (identity.IsRoot)
        {
            Line($"mail_uid = {identity.MailUid}");
            Line($"mail_gid = {identity.MailGid}");
        }
        else
        {
            Line($"default_login_user = {identity.UserName}");
            Line($"default_internal_user = {identity.UserName}");
            Line($"default_internal_group = {identity.GroupName}");
        }

        Line("mail_location = maildir:~/Maildir:LAYOUT=fs");
        // Stored files are then the exact bytes appended (CRLF), and nothing waits for the disk: this is a throwaway server.
        Line("mail_save_crlf = yes");
        Line("mail_fsync = never");
        Line("mail_max_userip_connections = 1000");
        if (options.MaxMessageSize is { } limit)
        {
            Line("mail_plugins = $mail_plugins quota");
            Line($"imap_capability = +APPENDLIMIT={limit.ToString(CultureInfo.InvariantCulture)}");
        }

        // The master passdb comes first; pass = yes then looks the target user up in the normal passdb.
        Line("passdb {");
        Line("  driver = passwd-file");
        Line($"  args = scheme=PLAIN username_format=%u {masterFile}");
        PasswordMechanismsOnly();
        Line("  master = yes");
        Line("  pass = yes");
        Line("}");
        Line("passdb {");
        Line("  driver = passwd-file");
        Line($"  args = scheme=PLAIN username_format=%u {usersFile}");
        PasswordMechanismsOnly();
        Line("}");
        Line("userdb {");
        Line("  driver = static");
        Line($"  args = home={MailRoot}/%u");
        Line("}");
        Line("namespace inbox {");
        Line("  inbox = yes");
        Line("  separator = /");
        Line("  prefix =");
        foreach (var (folder, use) in options.SpecialUseFolders)
        {
            Line($"  mailbox \"{folder}\" {{");
            Line($"    special_use = {use}");
            Line(options.CreateSpecialUseFolders ? "    auto = subscribe" : "    auto = no");
            Line("  }");
        }

        Line("}");
        Line("service imap-login {");
        Line("  inet_listener imap {");
        Line($"    address = {LoopbackHost}");
        Line($"    port = {Port.ToString(CultureInfo.InvariantCulture)}");
        Line("  }");
        Line("  inet_listener imaps {");
        Line($"    address = {LoopbackHost}");
        Line($"    port = {TlsPort.ToString(CultureInfo.InvariantCulture)}");
        Line("    ssl = yes");
        Line("  }");
        // One long-lived login process serves many connections: parallel tests connect by the hundred.
        Line("  service_count = 0");
        Line("  process_min_avail = 1");
        if (!identity.IsRoot)
        {
            Line("  chroot =");
        }

        Line("}");
        Line("service imap {");
        Line("  process_limit = 1024");
        Line("}");
        Line("service anvil {");
        Line("  unix_listener anvil-auth-penalty {");
        Line("    mode = 0");
        Line("  }");
        if (!identity.IsRoot)
        {
            Line("  chroot =");
        }

        Line("}");
        if (!identity.IsRoot)
        {
            Line("service auth-worker {");
            Line("  user = $default_internal_user");
            Line("}");
        }

        if (options.MaxMessageSize is { } max)
        {
            // Dovecot 2.3 has no core message size limit; the quota plugin's per-message limit is it. The count
            // backend with virtual sizes keeps no quota file and sets no storage limit.
            Line("plugin {");
            Line("  quota = count:User quota");
            Line("  quota_vsizes = yes");
            Line($"  quota_max_mail_size = {max.ToString(CultureInfo.InvariantCulture)}");
            Line("}");
        }

        if (options.OAuth2 is not null)
        {
            AppendOAuth2Passdbs(Line);
        }

        if (options.ImapCapability is not null)
        {
            Line($"imap_capability = {options.ImapCapability}");
        }

        if (options.ExtraConfiguration is not null)
        {
            Line(options.ExtraConfiguration);
        }

        return c.ToString();

        void PasswordMechanismsOnly()
        {
            if (options.OAuth2 is not null)
            {
                // A token is no password: the password passdbs answer only the password mechanisms.
                Line("  mechanisms = plain login");
            }
        }
    }

    private async Task StartProcessAsync()
    {
        lock (output)
        {
            output.Clear();
        }

        var info = new ProcessStartInfo(dovecot)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        info.ArgumentList.Add("-F");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ConfigPath);
        var started = Process.Start(info) ?? throw new InvalidOperationException($"could not start {dovecot}");
        started.OutputDataReceived += Collect;
        started.ErrorDataReceived += Collect;
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (started.HasExited)
            {
                await started.WaitForExitAsync();
                throw new InvalidOperationException($"dovecot exited at start ({started.ExitCode}): {Output()}\n{ReadLog()}");
            }

            if (await GreetsAsync(Port) && (TlsPort == 0 || await AcceptsAsync(TlsPort)))
            {
                return;
            }

            if (clock.Elapsed > options.StartTimeout)
            {
                throw new TimeoutException($"dovecot did not greet on {Host}:{Port} within {options.StartTimeout}: {Output()}\n{ReadLog()}");
            }

            await Task.Delay(50);
        }
    }

    private void Collect(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (output)
            {
                output.Append(e.Data).Append('\n');
            }
        }
    }

    private string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task<bool> GreetsAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(LoopbackHost, port, timeout.Token);
            using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
            var greeting = await reader.ReadLineAsync(timeout.Token);
            return greeting?.StartsWith("* OK", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            // Not listening yet: the caller polls again.
            return false;
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(LoopbackHost, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Not listening yet: the caller polls again.
            return false;
        }
    }

    /// <summary>
    /// Stops the master and every process of the instance. <paramref name="graceful"/> (restart): SIGTERM, so the
    /// master stops its children and indexes are written, then SIGKILL after 5 s; otherwise (dispose, where the
    /// folder is deleted next) SIGKILL at once, which saves about a second per server.
    /// </summary>
    private async Task StopProcessAsync(bool graceful)
    {
        var running = process;
        process = null;
        if (running is null)
        {
            return;
        }

        try
        {
            if (!running.HasExited && graceful)
            {
                await ProcessRunner.RunAsync("kill", ["-TERM", running.Id.ToString(CultureInfo.InvariantCulture)], Root);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await running.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    // The master lingers: it is killed below with its process tree.
                }
            }

            if (!running.HasExited)
            {
                running.Kill(entireProcessTree: true);
                await running.WaitForExitAsync();
            }
        }
        finally
        {
            running.Dispose();
            KillInstanceProcesses(Root);
        }
    }

    /// <summary>Last resort when the owning process exits without disposing: SIGKILL, no waiting, folders removed.</summary>
    private void KillNow()
    {
        try
        {
            var running = process;
            if (running is { HasExited: false })
            {
                running.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Exited meanwhile; the sweep below catches any child that outlived it.
        }

        KillInstanceProcesses(Root);
        foreach (var folder in Folders())
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process is exiting; a folder left behind (reaped by the next start) is all that can go wrong here.
            }
        }
    }

    /// <summary>
    /// SIGKILLs the processes of the instance in <paramref name="root"/> (its folder or its run folder): its master
    /// (command line names its <c>dxmig-dovecot-{id}/dovecot.conf</c>) and children that outlived it (titles start with
    /// <c>dovecot-{instance}/</c>). Only ids found under /proc for this instance are signalled.
    /// </summary>
    private static void KillInstanceProcesses(string root)
    {
        var prefix = $"dovecot-{InstanceName(root)}/";
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
        var master = $"/{FolderPrefix}{name[Math.Max(0, name.Length - 32)..]}/dovecot.conf";
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(directory, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while /proc was listed, or is not ours to read: not one of this instance.
                continue;
            }

            if (!commandLine.StartsWith(prefix, StringComparison.Ordinal) && !commandLine.Contains(master, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var straggler = Process.GetProcessById(pid);
                straggler.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    private IEnumerable<string> Folders() => RunDirectory.StartsWith(Root, StringComparison.Ordinal) ? [Root] : [Root, RunDirectory];

    private void DeleteRoot()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                foreach (var folder in Folders().Where(Directory.Exists))
                {
                    Directory.Delete(folder, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 10)
            {
                // A child that was just killed may still be closing a file in the folder.
                Thread.Sleep(100);
            }
        }
    }

    private static async Task Check(string file, string[] args)
    {
        var (code, text) = await ProcessRunner.RunAsync(file, args, "/");
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {text}");
        }
    }
}

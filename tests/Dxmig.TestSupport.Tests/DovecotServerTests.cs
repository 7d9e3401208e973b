using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Sandbox;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Dxmig.TestSupport.Tests;

public sealed class DovecotServerTests
{
    private static readonly Dictionary<string, string> Users = new(StringComparer.Ordinal)
    {
        ["tanaka"] = "tanaka-pass",
        ["suzuki"] = "suzuki-pass",
    };

    [Fact]
    public async Task StartsAndStops_FolderRemoved()
    {
        var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });
        string root;
        try
        {
            root = server.Root;
            Directory.Exists(root).Should().BeTrue();
            server.Host.Should().Be("127.0.0.1");
            server.TlsPort.Should().Be(0);
            server.ReadLog().Should().Contain("starting up for imap");
            using var client = await server.ConnectAsync("tanaka", "tanaka-pass");
            client.IsAuthenticated.Should().BeTrue();
            await client.DisconnectAsync(true);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Directory.Exists(root).Should().BeFalse();
        ProcessesOf(root).Should().BeEmpty();
    }

    [Fact]
    public async Task ParentDirectory_TooDeepForSockets_RunsWithItsRunFolderInTemp_BothRemoved()
    {
        using var parent = new TempFolder("dxmig-deep");
        var deep = Path.Combine(parent.Path, new string('d', 60), "sandbox");
        Directory.CreateDirectory(deep);
        var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users, ParentDirectory = deep });
        string root;
        string run;
        try
        {
            root = server.Root;
            run = server.RunDirectory;
            Path.GetDirectoryName(root).Should().Be(deep);
            run.Should().StartWith(Path.GetTempPath()).And.NotStartWith(root, "Dovecot's socket paths must stay under 108 bytes");
            using var client = await server.ConnectAsMasterAsync("tanaka");
            client.IsAuthenticated.Should().BeTrue();
            await client.DisconnectAsync(true);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Directory.Exists(root).Should().BeFalse();
        Directory.Exists(run).Should().BeFalse();
        ProcessesOf(root).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(deep).Should().BeEmpty();
    }

    [Fact]
    public async Task ReapAbandoned_RemovesServersOfDeadOwnersInTheParent_AndLeavesLiveOnes()
    {
        using var parent = new TempFolder("dxmig-reap");
        await using var live = await DovecotServer.StartAsync(new DovecotOptions { Users = Users, ParentDirectory = parent.Path });
        var abandoned = Directory.CreateDirectory(Path.Combine(parent.Path, "dxmig-dovecot-" + Guid.NewGuid().ToString("N"))).FullName;
        // Above any pid_max: an owner that is gone.
        File.WriteAllText(Path.Combine(abandoned, "owner"), "999999999 1");

        DovecotServer.ReapAbandoned(parent.Path);

        Directory.Exists(abandoned).Should().BeFalse();
        Directory.Exists(live.Root).Should().BeTrue();
        using var client = await live.ConnectAsMasterAsync("tanaka");
        client.IsAuthenticated.Should().BeTrue();
    }

    [Fact]
    public async Task MasterLogin_OpensTheUsersMailbox_WrongPasswordFails()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });

        using (var client = await server.ConnectAsync("tanaka*admin", server.MasterPassword))
        {
            await client.Inbox.AppendAsync(new AppendRequest(Message("marker"), MessageFlags.Seen));
            await client.DisconnectAsync(true);
        }

        using (var client = await server.ConnectAsync("tanaka", "tanaka-pass"))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            client.Inbox.Count.Should().Be(1, "the master login wrote into tanaka's own INBOX");
            await client.DisconnectAsync(true);
        }

        var wrong = () => server.ConnectAsync("tanaka*admin", "not-the-password");
        await wrong.Should().ThrowAsync<AuthenticationException>();
        var nobody = () => server.ConnectAsync("nobody-here*admin", server.MasterPassword);
        await nobody.Should().ThrowAsync<AuthenticationException>("pass = yes still requires the target user to exist");
        server.ReadLog().Should().Contain("Master user logging in as tanaka");
    }

    [Fact]
    public async Task SaslPlainWithAuthzid_LogsInAsTheUser()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });
        using var client = new ImapClient();
        await client.ConnectAsync(server.Host, server.Port, SecureSocketOptions.None);
        var plain = new SaslMechanismPlain(new NetworkCredential(server.MasterUser, server.MasterPassword)) { AuthorizationId = "suzuki" };

        await client.AuthenticateAsync(plain);
        await client.Inbox.AppendAsync(new AppendRequest(Message("authzid"), MessageFlags.None));
        await client.DisconnectAsync(true);

        using var suzuki = await server.ConnectAsync("suzuki", "suzuki-pass");
        await suzuki.Inbox.OpenAsync(FolderAccess.ReadOnly);
        suzuki.Inbox.Count.Should().Be(1);
        server.ReadLog().Should().Contain("Master user logging in as suzuki");
    }

    [Fact]
    public async Task CapabilitiesAfterLogin_IncludeWhatMigrationNeeds()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });
        using var client = await server.ConnectAsMasterAsync("tanaka");

        client.Capabilities.Should().HaveFlag(ImapCapabilities.CondStore)
            .And.HaveFlag(ImapCapabilities.QuickResync)
            .And.HaveFlag(ImapCapabilities.UidPlus)
            .And.HaveFlag(ImapCapabilities.MultiAppend)
            .And.HaveFlag(ImapCapabilities.SpecialUse)
            .And.HaveFlag(ImapCapabilities.LiteralPlus);
        client.Capabilities.HasFlag(ImapCapabilities.UTF8Accept).Should().BeFalse("Dovecot 2.3 has no UTF8=ACCEPT");
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        folders.Should().NotContain(f => f.Name == "Sent", "special-use folders are declared with auto = no");
    }

    [Fact]
    public async Task SpecialUseFolders_CarryTheirAttributeOnceCreated()
    {
        var specialUse = new Dictionary<string, string>(DovecotOptions.DefaultSpecialUseFolders) { ["送信済み"] = @"\Sent" };
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users, SpecialUseFolders = specialUse });
        using var client = await server.ConnectAsMasterAsync("tanaka");
        var root = client.GetFolder(client.PersonalNamespaces[0]);

        await root.CreateAsync("Trash", true);
        await root.CreateAsync("送信済み", true);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);

        folders.Single(f => f.FullName == "Trash").Attributes.Should().HaveFlag(FolderAttributes.Trash);
        folders.Single(f => f.FullName == "送信済み").Attributes.Should().HaveFlag(FolderAttributes.Sent);
        folders.Should().NotContain(f => f.FullName == "Drafts");
    }

    [Fact]
    public async Task FolderWithDotsAndJapaneseNames_Work()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });
        using var client = await server.ConnectAsMasterAsync("tanaka");
        var root = client.GetFolder(client.PersonalNamespaces[0]);

        var dotted = (await root.CreateAsync("a.b.c", true))!;
        var year = (await root.CreateAsync("2024年度", true))!;
        var nested = (await year.CreateAsync("会議資料", true))!;
        await dotted.AppendAsync(new AppendRequest(Message("dotted"), MessageFlags.None));

        client.PersonalNamespaces[0].DirectorySeparator.Should().Be('/');
        var names = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        names.Should().Contain(["a.b.c", "2024年度", "2024年度/会議資料"]);
        names.Should().NotContain(["a", "a/b"]);
        nested.FullName.Should().Be("2024年度/会議資料");
        Directory.Exists(Path.Combine(server.MailDirectory("tanaka"), "a.b.c")).Should().BeTrue("LAYOUT=fs keeps the dots in the directory name");
        await dotted.OpenAsync(FolderAccess.ReadOnly);
        dotted.Count.Should().Be(1);
    }

    [Fact]
    public async Task AppendOverMaxMessageSize_IsRefused()
    {
        const int limit = 64 * 1024;
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users, MaxMessageSize = limit });
        using var client = await server.ConnectAsMasterAsync("tanaka");
        client.AppendLimit.Should().Be(limit);

        var exactly = await client.Inbox.AppendAsync(new AppendRequest(MessageOfSize(limit), MessageFlags.None));
        var tooBig = () => client.Inbox.AppendAsync(new AppendRequest(MessageOfSize(limit + 1), MessageFlags.None));

        exactly.Should().NotBeNull();
        (await tooBig.Should().ThrowAsync<ImapCommandException>()).Which.Message.Should().Contain("larger than the maximum size");
        client.IsConnected.Should().BeTrue();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        client.Inbox.Count.Should().Be(1);
    }

    [Fact]
    public async Task Tls_ServesTheSelfSignedCertificate_WithItsFingerprint()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users, Tls = true });
        server.TlsPort.Should().BePositive().And.NotBe(server.Port);
        server.CertificateSha256.Should().MatchRegex("^[0-9A-F]{64}$");
        string? seen = null;
        using var client = new ImapClient
        {
            ServerCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = Convert.ToHexString(SHA256.HashData(certificate!.GetRawCertData()));
                return seen == server.CertificateSha256;
            },
        };

        await client.ConnectAsync(server.Host, server.TlsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(server.MasterLogin("tanaka"), server.MasterPassword);

        client.IsSecure.Should().BeTrue();
        seen.Should().Be(server.CertificateSha256);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Restart_KeepsPortsAndMail()
    {
        await using var server = await DovecotServer.StartAsync(new DovecotOptions { Users = Users });
        using (var client = await server.ConnectAsMasterAsync("tanaka"))
        {
            await client.Inbox.AppendAsync(new AppendRequest(Message("before restart"), MessageFlags.Flagged));
            await client.DisconnectAsync(true);
        }

        await server.RestartAsync();

        using var again = await server.ConnectAsMasterAsync("tanaka");
        await again.Inbox.OpenAsync(FolderAccess.ReadOnly);
        again.Inbox.Count.Should().Be(1);
    }

    private static MimeMessage Message(string subject) => new(
        [new MailboxAddress("田中", "tanaka@example.jp")],
        [new MailboxAddress("鈴木", "suzuki@example.jp")],
        subject,
        new TextPart("plain") { Text = "本文\r\n" });

    private static MimeMessage MessageOfSize(int size)
    {
        var head = "From: a@example.jp\r\nSubject: size\r\n\r\n";
        var body = new string('x', size - head.Length - 2) + "\r\n";
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(head + body));
        var message = MimeMessage.Load(stream);
        using var check = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true; // as MailKit's APPEND writes it
        message.WriteTo(format, check);
        check.Length.Should().Be(size);
        return message;
    }

    private static List<int> ProcessesOf(string root)
    {
        var instance = "dovecot-dxmig-" + Path.GetFileName(root)[^12..] + "/";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid)
                && File.Exists(Path.Combine(directory, "cmdline"))
                && SafeRead(Path.Combine(directory, "cmdline")) is var commandLine
                && (commandLine.StartsWith(instance, StringComparison.Ordinal) || commandLine.Contains(root, StringComparison.Ordinal)))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            // The process ended while /proc was listed.
            return string.Empty;
        }
    }
}

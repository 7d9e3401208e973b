using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dxmig.GraphEmulator;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig doctor JOB</c> against real servers: two private Dovecots, the Graph emulator (strict: its tokens, its 403s),
/// a closed port. Each test reads the whole verdict a person reads and checks that nothing was moved or written.
/// </summary>
public sealed class DoctorCommandTests(ITestOutputHelper log)
{
    private static readonly string[] Users = ["tanaka", "suzuki", "sato", "ito"];

    [Fact]
    public async Task Doctor_DovecotToDovecot_EveryEndpointOk_AndNothingMoved()
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 5);

        var (code, output, error) = await mail.Cli.RunAsync("doctor", MailRunHarness.Job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("OK   移行元 IMAP / source IMAP").And.Contain("OK   移行先 IMAP / target IMAP").And.Contain("OK   台帳 / ledger");
        Marked(output, "NG").Should().BeEmpty();
        Marked(output, "WARN").Should().BeEmpty();
        output.Should().NotContain(SecretMasker.Mask, "no plain word is mistaken for a secret");
        Lines(output, "ログインと INBOX (読み取り専用)").Should().HaveCount(2 * 3, "the first 3 accounts of 4 are opened on each server");
        var inbox = mail.Manifest["tanaka"].Messages.Count(m => m.Folder == "INBOX");
        inbox.Should().BePositive();
        Lines(output, "ログインと INBOX (読み取り専用)").Where(l => l.Contains("tanaka", StringComparison.Ordinal) && l.Contains($"INBOX {inbox} 通", StringComparison.Ordinal))
            .Should().ContainSingle("the source's INBOX of tanaka holds the corpus's messages, counted by EXAMINE (the target's holds none)");
        Lines(output, "ログインと INBOX (読み取り専用)").Should().NotContain(l => l.Contains(" ito", StringComparison.Ordinal), "--accounts defaults to 3");
        output.Should().Contain("診断 / doctor: 接続先 OK 3, 注意 WARN 0, NG 0");
        foreach (var user in Users)
        {
            (await mail.TargetMessagesAsync(user)).Should().BeEmpty($"doctor moves nothing ({user})");
        }

        File.Exists(mail.Workspace.Ledger).Should().BeFalse("doctor writes no ledger");
    }

    [Fact]
    public async Task Doctor_SourcePortClosed_NgConnectionRefusedWithinSeconds()
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 1);
        mail.Cli.Environment["DXMIG_SRC_PORT"] = ClosedPort().ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();

        var (code, output, error) = await mail.Cli.RunAsync("doctor", MailRunHarness.Job, "--accounts", "4");

        log.WriteLine(output + error);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "a refused connection is known at once; nothing is retried");
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("NG   移行元 IMAP / source IMAP");
        Lines(output, "NG   TCP 接続 / TCP connect").Should().ContainSingle();
        output.Should().Contain("が接続を拒否しました (サーバーが止まっているか、ポートが違います)").And.Contain("refused the connection")
            .And.Contain("対処 / fix: サーバーが動いていること、host と port が正しいことを確認してください");
        output.Should().Contain("SKIP TLS・ログイン / TLS, sign-in");
        output.Should().NotContain(SecretMasker.Mask);
        output.Should().Contain("OK   移行先 IMAP / target IMAP", "one endpoint down does not hide the others' verdicts");
        output.Should().Contain("NG 1");
    }

    [Fact]
    public async Task Doctor_SourceAcceptsButNeverAnswers_NgTimeoutAfterTheGivenSeconds()
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 1);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // the kernel completes the handshake; no greeting ever comes
        mail.Cli.Environment["DXMIG_SRC_PORT"] = ((IPEndPoint)silent.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();

        var (code, output, error) = await mail.Cli.RunAsync("doctor", MailRunHarness.Job, "--timeout", "2");

        log.WriteLine($"doctor took {clock.Elapsed.TotalSeconds:0.0} s\n" + output + error);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(6), "one check waits at most --timeout seconds");
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("OK   TCP 接続 / TCP connect");
        Lines(output, "NG   IMAP の応答 (TLS なし)").Should().ContainSingle();
        output.Should().Contain("応答しません").And.Contain("did not answer");
        output.Should().Contain("OK   移行先 IMAP / target IMAP");
    }

    [Fact]
    public async Task Doctor_WrongAdminPassword_NgLoginRefused_NeitherPasswordPrinted()
    {
        await using var mail = await MailRunHarness.StartAsync(Users, messages: 1);
        var real = mail.Source.MasterPassword;
        const string wrong = "Wr0ng-admin-Secret-7731";
        mail.Cli.Environment["DXMIG_SRC_ADMIN_PASSWORD"] = wrong;

        var (code, output, error) = await mail.Cli.RunAsync("doctor", MailRunHarness.Job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("OK   TCP 接続 / TCP connect").And.Contain("OK   IMAP の応答 (TLS なし) / IMAP greeting (no TLS)");
        Lines(output, "NG   ログインと INBOX").Should().ContainSingle("the first refusal stops the others, which would fail the same way");
        output.Should().Contain("がログインを拒否しました (アカウント tanaka, 管理者 " + mail.Source.MasterUser + ")")
            .And.Contain("admin-password-env の変数の値").And.Contain("残り 2 アカウントは同じ理由で失敗するため試していません");
        output.Should().Contain("refused the sign-in (account tanaka, admin " + mail.Source.MasterUser + ")", "plain words are not masked");
        (output + error).Should().NotContain(wrong).And.NotContain(real).And.NotContain(SecretMasker.Mask);
    }

    [Fact]
    public async Task Doctor_GraphTarget_OkWithItsPermission_ThenWrongSecretIsNgToken()
    {
        await using var setup = await GraphSetup.StartAsync(appRoles: null);

        var (code, output, error) = await setup.Cli.RunAsync("doctor", MailGraphHarness.Job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("OK   移行先 Microsoft Graph / target Microsoft Graph").And.Contain("OK   トークンの取得 (クライアント資格情報)");
        Lines(output, "OK   メールボックス").Where(l => l.Contains("権限 Mail.ReadWrite", StringComparison.Ordinal)).Should().HaveCount(3);
        setup.Graph.Store.AllMessages(MailGraphHarness.Upn("tanaka")).Should().BeEmpty("doctor moves nothing");

        const string wrong = "not-the-Secret-4412";
        setup.Cli.Environment["DXMIG_GRAPH_CLIENT_SECRET"] = wrong;
        (code, output, error) = await setup.Cli.RunAsync("doctor", MailGraphHarness.Job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("NG   トークンの取得 (クライアント資格情報)")
            .And.Contain("クライアント シークレットが違うか期限切れです (AADSTS7000215)")
            .And.Contain("SKIP 権限 / permissions");
        output.Should().Contain("OK   移行元 IMAP / source IMAP");
        (output + error).Should().NotContain(wrong).And.NotContain(setup.Graph.ClientSecret).And.NotContain(SecretMasker.Mask);
    }

    [Fact]
    public async Task Doctor_GraphAppWithoutMailReadWrite_NgNamesThePermissionAndWhereToGrantIt()
    {
        await using var setup = await GraphSetup.StartAsync(appRoles: ["User.Read.All"]);

        var (code, output, error) = await setup.Cli.RunAsync("doctor", MailGraphHarness.Job, "--accounts", "2");

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("OK   トークンの取得 (クライアント資格情報)", "the app logs in; it lacks a permission");
        Lines(output, "NG   メールボックス").Should().HaveCount(2);
        output.Should().Contain("権限 Mail.ReadWrite (アプリケーション) が付与されていないか、管理者の同意がありません / the app lacks the application permission Mail.ReadWrite or admin consent (HTTP 403 ErrorAccessDenied)")
            .And.Contain("アプリケーションの許可 で Mail.ReadWrite を追加し、「管理者の同意を与えます」");
        output.Should().Contain("OK   移行元 IMAP / source IMAP");
    }

    [Fact]
    public async Task Doctor_AlertSmtp_UntrustedCertificateIsNg_PinnedIsOkWithSignIn_AndNothingIsSent()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 1);
        using var certificate = TestCertificates.SelfSigned("localhost", "127.0.0.1");
        const string password = "smtp-Pass-9876-doctor";
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = certificate, Login = ("dxmig", password) });
        mail.Cli.Environment["DXMIG_SMTP_PASSWORD"] = password;
        string Job(string name, string pin) => mail.JobVariant(name, text => text + $"""

            alerts:
              smtp-host: 127.0.0.1
              smtp-port: {sink.Port}
              security: starttls
              from: dxmig@pref.example.jp
              to: [admin@pref.example.jp]
              user: dxmig
              password-env: DXMIG_SMTP_PASSWORD
            {pin}
            """);

        var (untrustedCode, untrusted, _) = await mail.Cli.RunAsync("doctor", Job("smtp-untrusted", string.Empty));
        var (pinnedCode, pinned, pinnedError) = await mail.Cli.RunAsync("doctor", Job("smtp-pinned", $"  certificate-sha256: {TestCertificates.Sha256(certificate)}"));

        log.WriteLine(untrusted + pinned + pinnedError);
        untrustedCode.Should().Be(ExitCodes.Failed);
        untrusted.Should().Contain("NG   通知メール (SMTP) / alert mail (SMTP)").And.Contain("NG   STARTTLS (証明書の検証)・ログイン / STARTTLS (certificate check) + sign-in")
            .And.Contain("の TLS 接続で証明書を検証できません");
        pinnedCode.Should().Be(ExitCodes.Success, pinned + pinnedError);
        pinned.Should().Contain("OK   通知メール (SMTP) / alert mail (SMTP)").And.Contain("ログインできました / logged in").And.Contain("送信はしていません / nothing sent");
        sink.Logins.Should().Contain(l => l.User == "dxmig" && l.Accepted);
        sink.Messages.Should().BeEmpty("doctor sends no mail");
        (untrusted + pinned + pinnedError).Should().NotContain(password);
    }

    [Fact]
    public async Task Doctor_JobFileWithErrors_ChecksNothingAndExits2()
    {
        using var cli = new CliHarness();
        var job = cli.Write("jobs/broken.yaml", "name: b\nkind: mail\nsource:\n  type: imap\n");

        var (code, output, error) = await cli.RunAsync("doctor", job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("接続は確かめていません / ").And.Contain("no endpoint was checked");
        output.Should().NotContain("OK  ").And.NotContain("NG  ");
    }

    /// <summary>The check and endpoint lines marked with the word (OK, NG, WARN, SKIP), not the summary.</summary>
    private static List<string> Marked(string output, string word) =>
        [.. output.Split('\n').Where(l => l.TrimStart().StartsWith(word + " ", StringComparison.Ordinal))];

    private static List<string> Lines(string output, string containing) =>
        [.. output.Split('\n').Where(l => l.Contains(containing, StringComparison.Ordinal))];

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A Dovecot source and the Graph emulator (with the app's roles as given) for the Graph example job.</summary>
    private sealed class GraphSetup : IAsyncDisposable
    {
        private readonly DovecotServer source;

        private GraphSetup(DovecotServer source, GraphEmulator.GraphEmulator graph, JobWorkspace workspace)
        {
            this.source = source;
            Graph = graph;
            Workspace = workspace;
            Cli = new CliHarness(workspace);
        }

        public GraphEmulator.GraphEmulator Graph { get; }

        public JobWorkspace Workspace { get; }

        public CliHarness Cli { get; }

        public static async Task<GraphSetup> StartAsync(IReadOnlyList<string>? appRoles)
        {
            var source = await DovecotServer.StartAsync(new DovecotOptions { Users = Users.ToDictionary(u => u, u => $"{u}-pass") });
            var graph = await GraphEmulator.GraphEmulator.StartAsync(
                new GraphEmulatorOptions { Users = [.. Users.Select(MailGraphHarness.Upn)], AppRoles = appRoles }, CancellationToken.None);
            var workspace = new JobWorkspace();
            workspace.UseImapServer("DXMIG_SRC", source);
            workspace.UseMailAccounts(Users, MailGraphHarness.Upn);
            foreach (var (key, value) in graph.JobEnvironment())
            {
                workspace.Environment[key] = value;
            }

            return new GraphSetup(source, graph, workspace);
        }

        public async ValueTask DisposeAsync()
        {
            Workspace.Dispose();
            await Graph.DisposeAsync();
            await source.DisposeAsync();
        }
    }
}

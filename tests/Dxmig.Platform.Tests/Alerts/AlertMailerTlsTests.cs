using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Dxmig.Contracts;
using Dxmig.Platform.Alerts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Tests.Alerts;

/// <summary>
/// Alert mail over STARTTLS and implicit TLS with a login, against a TLS-capable SMTP sink with a generated
/// certificate: pinned or trusted through a CA file it is delivered (subject and body as composed, AUTH used); a wrong
/// certificate is refused in plain words; the password never reaches the log.
/// </summary>
public sealed class AlertMailerTlsTests : IDisposable
{
    private const string User = "dxmig-alerts";
    private const string Password = "smtp-Pw-Never-Logged-42";
    private readonly TempFolder temp = new();
    private readonly X509Certificate2 ca = TestCertificates.CreateCa("dxmig mail CA");
    private readonly X509Certificate2 server;
    private readonly ListLogger logger = new();

    public AlertMailerTlsTests() => server = TestCertificates.Issue(ca, "127.0.0.1", "localhost");

    public void Dispose()
    {
        temp.Dispose();
        server.Dispose();
        ca.Dispose();
    }

    private static RunResult Failed() =>
        new(new LedgerRun { RunId = "r-tls-1", Job = "mail-wave1", Node = "n1", Outcome = RunOutcome.Failed, Seen = 10, Loaded = 9, Quarantined = 1 }, []);

    private static string? Env(string name) => name == "DXMIG_SMTP_PASSWORD" ? Password : null;

    private static AlertSettings Settings(int port, string security, string? pin = null, string? caFile = null, bool login = true) =>
        new("127.0.0.1", port, security, pin, "dxmig@pref.example.jp", ["admin@pref.example.jp"],
            login ? User : null, login ? new SecretReference(SecretSource.Environment, "DXMIG_SMTP_PASSWORD", new SourcePosition("job.yaml", 1, 1)) : null,
            AlertWhen.Failure) { CaCertificate = caFile };

    private async Task<bool> SendAsync(AlertSettings settings)
    {
        var mailer = new AlertMailer(settings, Env, logger);
        return await mailer.SendAsync(mailer.Compose("mail-wave1", Failed(), "/var/log/dxmig/r-tls-1.jsonl", null), CancellationToken.None);
    }

    [Fact]
    public async Task Starttls_with_a_pinned_certificate_and_auth_plain_delivers_the_alert()
    {
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, Login = (User, Password), Mechanisms = ["PLAIN"] });

        (await SendAsync(Settings(sink.Port, "starttls", pin: TestCertificates.Sha256(server)))).Should().BeTrue(logger.Text);

        var mail = sink.Deliveries.Should().ContainSingle().Which;
        mail.Tls.Should().BeTrue();
        (mail.User, mail.Mechanism).Should().Be((User, "PLAIN"));
        mail.Recipients.Should().Equal("admin@pref.example.jp");
        var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(mail.Data)));
        message.Subject.Should().Be("[dxmig] 要対応: ジョブ mail-wave1 が失敗しました / action needed: job mail-wave1 failed (r-tls-1)");
        message.TextBody.Should().Contain("ジョブ / job: mail-wave1").And.Contain("ログ / log: /var/log/dxmig/r-tls-1.jsonl");
        logger.Text.Should().NotContain(Password);
    }

    [Fact]
    public async Task Starttls_trusted_through_a_ca_file_with_auth_login_delivers_the_alert()
    {
        var caFile = TestCertificates.WritePem(ca, temp.File("mail-ca.pem"));
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, Login = (User, Password), Mechanisms = ["LOGIN"] });

        (await SendAsync(Settings(sink.Port, "starttls", caFile: caFile))).Should().BeTrue(logger.Text);

        var mail = sink.Deliveries.Should().ContainSingle().Which;
        (mail.Tls, mail.User, mail.Mechanism).Should().Be((true, User, "LOGIN"));
        mail.Data.Should().Contain("r-tls-1");
        logger.Text.Should().NotContain(Password);
    }

    [Fact]
    public async Task Implicit_tls_with_a_pinned_certificate_delivers_the_alert()
    {
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, ImplicitTls = true, Login = (User, Password) });

        (await SendAsync(Settings(sink.Port, "tls", pin: TestCertificates.Sha256(server)))).Should().BeTrue(logger.Text);

        var mail = sink.Deliveries.Should().ContainSingle().Which;
        (mail.Tls, mail.User).Should().Be((true, User));
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_in_plain_words_and_nothing_is_sent()
    {
        using var other = TestCertificates.SelfSigned("127.0.0.1");
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, Login = (User, Password) });

        (await SendAsync(Settings(sink.Port, "starttls", pin: TestCertificates.Sha256(other)))).Should().BeFalse();

        sink.Deliveries.Should().BeEmpty();
        sink.Logins.Should().BeEmpty("no password is sent to a server whose certificate was refused");
        logger.Text.Should().Contain($"SMTP 127.0.0.1:{sink.Port} の証明書が固定した証明書 (alerts.certificate-sha256) と違うため送信しませんでした")
            .And.Contain("is not the pinned one").And.NotContain(Password).And.NotContain("   at ");
    }

    [Fact]
    public async Task A_certificate_the_system_does_not_trust_is_refused_without_a_ca_file_or_pin()
    {
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, ImplicitTls = true, Login = (User, Password) });

        (await SendAsync(Settings(sink.Port, "tls"))).Should().BeFalse();

        sink.Deliveries.Should().BeEmpty();
        logger.Text.Should().Contain("検証できないため送信しませんでした").And.Contain("alerts.ca-certificate").And.Contain("could not be verified");
    }

    [Fact]
    public async Task A_ca_file_of_another_ca_is_refused()
    {
        using var otherCa = TestCertificates.CreateCa("another CA");
        var caFile = TestCertificates.WritePem(otherCa, temp.File("other-ca.pem"));
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, Login = (User, Password) });

        (await SendAsync(Settings(sink.Port, "starttls", caFile: caFile))).Should().BeFalse();

        sink.Deliveries.Should().BeEmpty();
        logger.Text.Should().Contain("could not be verified");
    }

    [Fact]
    public async Task A_certificate_from_the_trusted_ca_but_for_another_name_is_refused()
    {
        var caFile = TestCertificates.WritePem(ca, temp.File("mail-ca.pem"));
        using var misnamed = TestCertificates.Issue(ca, "smtp.invalid.example");
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = misnamed, Login = (User, Password) });

        (await SendAsync(Settings(sink.Port, "starttls", caFile: caFile))).Should().BeFalse();

        sink.Deliveries.Should().BeEmpty();
        sink.Logins.Should().BeEmpty();
        logger.Text.Should().Contain("名前が 127.0.0.1 と一致しません").And.Contain("not made out to 127.0.0.1");
    }

    [Fact]
    public async Task A_server_that_requires_auth_refuses_a_mail_without_login_and_a_wrong_password_is_not_logged()
    {
        await using var sink = SmtpSink.Start(new SmtpSinkOptions { Certificate = server, Login = (User, "the-right-one") });

        (await SendAsync(Settings(sink.Port, "starttls", pin: TestCertificates.Sha256(server), login: false))).Should().BeFalse();
        (await SendAsync(Settings(sink.Port, "starttls", pin: TestCertificates.Sha256(server)))).Should().BeFalse();

        sink.Deliveries.Should().BeEmpty();
        sink.Logins.Should().NotBeEmpty().And.OnlyContain(l => l.User == User && !l.Accepted);
        logger.Text.Should().Contain("ログインを求めています").And.Contain("requires authentication (AUTH) before sending");
        logger.Text.Should().Contain("ログインを拒否しました").And.Contain($"rejected authentication for user {User}: check").And.Contain("env:DXMIG_SMTP_PASSWORD").And.NotContain(Password);
    }

    [Fact]
    public void The_alerts_section_checks_login_and_certificate_settings_with_file_and_line()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source: {}
            target: {}
            alerts:
              smtp-host: smtp.pref.example.jp
              security: starttls
              user: dxmig-alerts
              certificate-sha256: AB:CD
              ca-certificate: missing.pem
              from: dxmig@pref.example.jp
              to: admin@pref.example.jp
            """);
        var diagnostics = new DiagnosticBag();

        JobFileReader.Read(path, new Dictionary<string, JobKindSchema> { ["test"] = new("test", new Dictionary<string, bool>()) }, diagnostics, _ => null);

        var rendered = diagnostics.Render();
        rendered.Should().Contain("job.yaml:8:").And.Contain("'alerts.user' のパスワード").And.Contain("password-env");
        rendered.Should().Contain("job.yaml:10:").And.Contain("どちらか一方だけ").And.Contain("CA 証明書のファイル").And.Contain("does not exist");
    }

    private sealed class ListLogger : ILogger
    {
        private readonly ConcurrentQueue<string> lines = new();

        public string Text => string.Join(Environment.NewLine, lines);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
        }
    }
}

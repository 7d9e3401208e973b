using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using MimeKit;

namespace Dxmig.Cli.Tests;

/// <summary>Alert mails about runs, received by a local SMTP sink.</summary>
public sealed class AlertMailTests : IAsyncLifetime
{
    private MailRunHarness mail = null!;
    private SmtpSink sink = null!;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(["tanaka", "suzuki"], messages: 10);
        sink = SmtpSink.Start();
    }

    public async Task DisposeAsync()
    {
        await sink.DisposeAsync();
        await mail.DisposeAsync();
    }

    private string Job(string on) => mail.JobVariant($"alerts-{on}", text => text + $"""

        alerts:
          smtp-host: 127.0.0.1
          smtp-port: {sink.Port}
          security: none
          from: dxmig@pref.example.jp
          to: [admin1@pref.example.jp, admin2@pref.example.jp]
          on: {on}
        """);

    [Fact]
    public async Task A_failed_account_mails_the_admins_with_the_accounting_and_no_secret()
    {
        var accounts = mail.Cli.Write("accounts-bad.csv", "source,target\ntanaka,tanaka\nsuzuki,nobody-there\n");
        mail.Cli.Environment["DXMIG_ACCOUNTS"] = accounts;

        var (code, output, _) = await mail.Cli.RunAsync("run", Job("failure"));

        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("管理者に通知メールを送りました");
        var (recipients, data) = sink.Messages.Should().ContainSingle().Subject;
        recipients.Should().BeEquivalentTo("admin1@pref.example.jp", "admin2@pref.example.jp");
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(data)));
        message.Subject.Should().Contain("要対応").And.Contain("failed");
        message.TextBody.Should().Contain("suzuki: 失敗 / failed").And.Contain("集計 / accounting").And.Contain("ログ / log:")
            .And.NotContain("Failed", "the outcome is in words, never the internal name");
        // The account that succeeded keeps its name: the failure's advice ("… and the login mode") is a sentence, not an
        // IMAP LOGIN the masker would hide the next word of.
        message.TextBody.Should().Contain("tanaka: 成功 / succeeded");
        data.Should().NotContain(mail.Source.MasterPassword).And.NotContain(mail.Target.MasterPassword);
        message.TextBody.Should().NotContain(mail.Target.MasterPassword);
    }

    [Fact]
    public async Task A_clean_run_mails_nobody_unless_asked_for_always()
    {
        (await mail.Cli.RunAsync("run", Job("failure"))).ExitCode.Should().Be(ExitCodes.Success);
        sink.Messages.Should().BeEmpty();

        (await mail.Cli.RunAsync("run", Job("always"))).ExitCode.Should().Be(ExitCodes.Success);
        sink.Messages.Should().ContainSingle().Which.Data.Should().Contain("succeeded").And.NotContain("Succeeded");
    }
}

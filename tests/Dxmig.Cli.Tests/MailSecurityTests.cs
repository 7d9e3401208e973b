using Dxmig.TestSupport.Jobs;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;

namespace Dxmig.Cli.Tests;

/// <summary>TLS with a pinned certificate, an untrusted certificate refused, and SASL PLAIN with an authorization identity.</summary>
public sealed class MailSecurityTests : IAsyncLifetime
{
    private DovecotServer tls = null!;
    private MailRunHarness mail = null!;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(["tanaka"], messages: 20);
        tls = await DovecotServer.StartAsync(new DovecotOptions { Users = new Dictionary<string, string> { ["tanaka"] = "tanaka-pass" }, Tls = true });
        mail.Cli.Environment["DXMIG_DST_HOST"] = tls.Host;
        mail.Cli.Environment["DXMIG_DST_PORT"] = tls.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        mail.Cli.Environment["DXMIG_DST_SECURITY"] = "tls";
        mail.Cli.Environment["DXMIG_DST_ADMIN_USER"] = tls.MasterUser;
        mail.Cli.Environment["DXMIG_DST_ADMIN_PASSWORD"] = tls.MasterPassword;
    }

    public async Task DisposeAsync()
    {
        await tls.DisposeAsync();
        await mail.DisposeAsync();
    }

    [Fact]
    public async Task Run_TlsTargetWithAnUntrustedCertificate_IsRefusedWithAClearMessage()
    {
        var (code, output, error) = await mail.RunAsync();

        code.Should().Be(ExitCodes.Failed);
        (output + error).Should().Contain("証明書を検証できません").And.Contain("certificate-sha256");
        (output + error).Should().NotContain(tls.MasterPassword);
    }

    [Fact]
    public async Task Run_TlsTargetWithItsCertificatePinned_Copies()
    {
        var job = PinnedJob(tls.CertificateSha256!);

        var (code, output, error) = await mail.Cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Success, output + error);
        await using var target = tls;
        using var client = await tls.ConnectAsMasterAsync("tanaka");
        (await ImapMailboxReader.ReadMessagesAsync(client)).Should().HaveCount(mail.Manifest["tanaka"].Messages.Count);
    }

    [Fact]
    public async Task Run_TlsTargetPinnedToAnotherCertificate_IsRefused()
    {
        var (code, output, error) = await mail.Cli.RunAsync("run", PinnedJob(new string('A', 64)));

        code.Should().Be(ExitCodes.Failed);
        (output + error).Should().Contain("証明書を検証できません");
    }

    [Fact]
    public async Task Run_SaslPlainWithAuthorizationIdentity_OpensEachMailbox()
    {
        var job = mail.JobVariant("sasl", text => text
            .Replace("  login: master-user                          # master-user | sasl-authzid | per-account", "  login: sasl-authzid", StringComparison.Ordinal));
        File.ReadAllText(job).Should().Contain("login: sasl-authzid");
        mail.Cli.Environment["DXMIG_DST_HOST"] = mail.Target.Host;
        mail.Cli.Environment["DXMIG_DST_PORT"] = mail.Target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        mail.Cli.Environment["DXMIG_DST_SECURITY"] = "none";
        mail.Cli.Environment["DXMIG_DST_ADMIN_USER"] = mail.Target.MasterUser;
        mail.Cli.Environment["DXMIG_DST_ADMIN_PASSWORD"] = mail.Target.MasterPassword;

        var (code, output, error) = await mail.Cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Success, output + error);
        await mail.AssertTargetHoldsAsync("tanaka", mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()));
    }

    [Fact]
    public async Task Validate_PlainTextToANonLoopbackHost_IsRefused()
    {
        mail.Cli.Environment["DXMIG_DST_HOST"] = "imap.pref.example.jp";
        mail.Cli.Environment["DXMIG_DST_SECURITY"] = "none";

        var (code, _, error) = await mail.Cli.RunAsync("validate", MailRunHarness.Job);

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("security: none").And.Contain("loopback");
    }

    private string PinnedJob(string fingerprint)
    {
        return mail.JobVariant("pinned", text => text.Replace("target:\n", $"target:\n  certificate-sha256: \"{fingerprint}\"\n", StringComparison.Ordinal));
    }
}

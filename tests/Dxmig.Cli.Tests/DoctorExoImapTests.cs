using Dxmig.GraphEmulator;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig doctor</c> on the exo-imap example: Exchange's app token, then the XOAUTH2 sign-in per mailbox through the Exchange sandbox.</summary>
public sealed class DoctorExoImapTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Doctor_ExoImap_TokenAndFirstMailboxOk_MailboxWithoutFullAccessIsNgNamingWhatGrantsIt()
    {
        await using var mail = await ExoImapHarness.StartAsync(
            ["tanaka", "suzuki"], messages: 2,
            graphOptions: o => new GraphEmulatorOptions { Users = o.Users, UsersWithoutMailboxAccess = [ExoImapHarness.Upn("suzuki")] });

        var (code, output, error) = await mail.Cli.RunAsync("doctor", ExoImapHarness.Job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("OK   アクセス トークン (Exchange, IMAP.AccessAsApp)");
        output.Should().Contain($"OK   ログインと INBOX (読み取り専用) アカウント {ExoImapHarness.Upn("tanaka")}");
        output.Should().Contain($"NG   ログインと INBOX (読み取り専用) アカウント {ExoImapHarness.Upn("suzuki")}")
            .And.Contain($"refused the app's OAuth sign-in to mailbox {ExoImapHarness.Upn("suzuki")}")
            .And.Contain("FullAccess").And.Contain("IMAP.AccessAsApp");
        (await mail.TargetMessagesAsync("tanaka")).Should().BeEmpty("doctor moves nothing");
        (output + error).Should().NotContain(mail.Graph.ClientSecret).And.NotContain(SecretMasker.Mask);
    }
}

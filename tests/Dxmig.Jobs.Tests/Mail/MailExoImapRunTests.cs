using Dxmig.GraphEmulator;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// <c>target: type: exo-imap</c> through the job layer into the exo-imap sandbox: Dovecot validating the app's tokens
/// against the Graph emulator's token service, as Exchange Online's IMAP with app-only OAuth does.
/// </summary>
public sealed class MailExoImapRunTests
{
    private static readonly string[] Users = ["tanaka", "suzuki"];

    [Fact]
    public async Task Run_ExampleJob_CopiesByteForByteIntoTheJapaneseSpecialFoldersWithFlagsAndDates()
    {
        await using var mail = await ExoImapHarness.StartAsync(Users);
        var jobs = new JobLayer(mail.Workspace);

        var run = await jobs.RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        foreach (var user in Users)
        {
            await mail.AssertTargetHoldsAsync(user, mail.Manifest[user].Messages.Select(m => m.ToStored()));
            (await mail.TargetFoldersAsync(user)).Should().NotContain(["Sent", "Drafts", "Trash", "Junk"], "the mailbox's own special folders are used");
        }

        mail.Graph.Stats.TotalRequests(Operations.ExchangeImapIntrospect).Should().BeGreaterThan(0, "every login's token was checked by the sandbox");
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(2, run.Explain);

        var again = await jobs.RunAsync(ExoImapHarness.Job);
        again.ExitCode.Should().Be(ExitCodes.Success, again.Explain);
        again.Run.Loaded.Should().Be(0, "the no-change pass appends nothing");
    }

    [Fact]
    public async Task Run_AppWithoutAccessToOneMailbox_FailsThatAccountOnlyWithAPlainMessage()
    {
        await using var mail = await ExoImapHarness.StartAsync(
            Users, messages: 10, graphOptions: o => new GraphEmulatorOptions { Users = o.Users, UsersWithoutMailboxAccess = [ExoImapHarness.Upn("suzuki")] });

        var run = await new JobLayer(mail.Workspace).RunAsync(ExoImapHarness.Job);

        run.ExitCode.Should().NotBe(ExitCodes.Success);
        await mail.AssertTargetHoldsAsync("tanaka", mail.Manifest["tanaka"].Messages.Select(m => m.ToStored()));
        (await mail.TargetMessagesAsync("suzuki")).Should().BeEmpty();
        run.Explain.Should().Contain("FullAccess").And.Contain("IMAP.AccessAsApp").And.Contain("suzuki");
    }
}

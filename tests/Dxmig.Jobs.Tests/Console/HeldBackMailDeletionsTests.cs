using Dxmig.Jobs.Console;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Console;

/// <summary>
/// A mail job's held-back deletions (IMAP → IMAP between two private Dovecot servers) confirmed in the console: the
/// next run, given no <c>--confirm-deletes</c>, removes exactly the listed messages, and the run after removes nothing more.
/// </summary>
public sealed class HeldBackMailDeletionsTests : IAsyncLifetime
{
    private static readonly string[] Users = ["tanaka", "suzuki"];
    private MailRunHarness mail = null!;

    public async Task InitializeAsync()
    {
        mail = await MailRunHarness.StartAsync(Users, messages: 20);
        mail.Workspace.Environment["DXMIG_DELETIONS"] = "mirror";
        mail.Workspace.Environment["DXMIG_DELETION_THRESHOLD"] = "100";
        mail.Workspace.Environment["DXMIG_DELETION_COUNT"] = "3";
    }

    public async Task DisposeAsync() => await mail.DisposeAsync();

    private Task<JobRun> RunAsync() => new JobLayer(mail.Workspace).RunAsync(MailRunHarness.Job);

    private string Logs => Path.Combine(mail.Workspace.Folder, "home", "logs", "mail-imap-to-imap");

    [Fact]
    public async Task HeldMailDeletions_ConfirmedInTheConsole_AreRemovedByTheNextRun_Once()
    {
        (await RunAsync()).ExitCode.Should().Be(ExitCodes.Success);
        foreach (var user in Users)
        {
            using var client = await mail.Source.ConnectAsMasterAsync(user);
            var inbox = await MailRunHarness.OpenSourceAsync(client, "INBOX");
            await inbox.AddFlagsAsync(
                mail.Manifest[user].InFolder("INBOX").Take(2).Select(m => new UniqueId(m.UidValidity, m.Uid)).ToList(), MessageFlags.Deleted, silent: true);
            await inbox.ExpungeAsync();
        }

        var held = await RunAsync();
        held.Run.Removed.Should().Be(2, "the first mailbox's two fit the count of 3; " + held.Explain);
        var heldAccount = Users.Single(u => held.Account(u).Warnings.Count > 0);
        var list = (await HeldBackDeletions.ListAsync(Logs, 10, CancellationToken.None)).Should().ContainSingle().Subject;
        list.RunId.Should().Be(held.Run.RunId);
        list.Count.Should().Be(2);
        list.IdColumn.Should().Be("native_id");
        list.FirstRows.Should().OnlyContain(r => r.Account == heldAccount && r.Container == "INBOX" && r.TargetKey!.StartsWith("imap:", StringComparison.Ordinal));
        list.FirstRows.Select(r => r.SourceId).Should().BeEquivalentTo(
            mail.Manifest[heldAccount].InFolder("INBOX").Take(2).Select(m => $"{m.UidValidity}:{m.Uid}"));

        (await HeldBackDeletions.ConfirmAsync(Logs, held.Run.RunId, 1, "kanri@pref.example.jp", TimeProvider.System, CancellationToken.None))
            .Accepted.Should().BeFalse("the list holds 2");
        (await HeldBackDeletions.ConfirmAsync(Logs, held.Run.RunId, 2, "kanri@pref.example.jp", TimeProvider.System, CancellationToken.None))
            .Accepted.Should().BeTrue();

        var next = await RunAsync();

        next.ExitCode.Should().Be(ExitCodes.Success, next.Explain);
        next.Lines.Should().Contain($"applying the confirmed held-back deletions of run {held.Run.RunId}");
        next.Run.Removed.Should().Be(2);
        foreach (var user in Users)
        {
            (await mail.TargetMessagesAsync(user)).Where(m => m.Folder == "INBOX").Should().HaveCount(mail.Manifest[user].InFolder("INBOX").Count() - 2);
        }

        File.Exists(HeldBackDeletions.AppliedPath(Logs, held.Run.RunId)).Should().BeTrue();
        var after = await RunAsync();
        after.ExitCode.Should().Be(ExitCodes.Success, after.Explain);
        after.Run.Removed.Should().Be(0);
        after.Lines.Should().NotContain("applying the confirmed");
    }
}

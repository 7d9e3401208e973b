using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using MailKit;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>
/// A message moved on the source between folders is moved on the target (not deleted and written again), under the
/// default <c>deletions: keep</c>: the ledger's new place loaded with the new target key, the old place closed as moved,
/// the target's count unchanged, the reconciliation complete.
/// </summary>
public sealed class MailMoveTests
{
    private const string Destination = "2024年度";

    /// <summary>Moves one INBOX message with a Message-ID into <see cref="Destination"/> on the source, flagging it on the way.</summary>
    private static async Task<ManifestMessage> MoveOnSourceAsync(DovecotServer source, CorpusManifest manifest)
    {
        var moved = manifest["tanaka"].InFolder("INBOX").First(m => m.MessageId is not null && !m.Flags.HasFlag(MessageFlags.Flagged));
        using var client = await source.ConnectAsMasterAsync("tanaka");
        var inbox = await MailRunHarness.OpenSourceAsync(client, "INBOX");
        var uid = new UniqueId(moved.UidValidity, moved.Uid);
        await inbox.AddFlagsAsync([uid], MessageFlags.Flagged, silent: true);
        await inbox.MoveToAsync(uid, await client.GetFolderAsync(Destination));
        await client.DisconnectAsync(true);
        return moved;
    }

    private static async Task AssertLedgerAsync(JobWorkspace workspace, ManifestMessage moved, string runId, string targetKeyPart)
    {
        var items = await workspace.LedgerItemsAsync();
        var old = items.Single(i => i.Container == "INBOX" && i.NativeId == $"{moved.UidValidity}:{moved.Uid}");
        old.State.Should().Be(ItemState.Removed, "the old place is closed");
        old.Message.Should().Contain("moved").And.Contain(Destination);
        var now = items.Single(i => i.Container == Destination && i.LastRunId == runId && i.State == ItemState.Loaded);
        now.TargetKey.Should().NotBe(old.TargetKey).And.Contain(targetKeyPart);
    }

    private static void AssertReconciledComplete(JobRun run)
    {
        var summary = ReportSummary.Read(run.Reconciliation!.Folder);
        summary["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, summary.ToJsonString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Imap_MessageMovedOnTheSource_IsMovedOnTheTarget_NotDeletedAndWrittenAgain(bool serversWithoutMoveOrCondStore)
    {
        Func<DovecotOptions, DovecotOptions>? old = serversWithoutMoveOrCondStore ? o => o with { ImapCapability = DovecotOptions.WithoutCondStoreQResyncMove } : null;
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 24, targetSetup: old, sourceSetup: old);
        using (var probe = await mail.Target.ConnectAsMasterAsync("tanaka"))
        {
            probe.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Move).Should().Be(!serversWithoutMoveOrCondStore, "the target announces MOVE only when it should");
            probe.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.CondStore).Should().Be(!serversWithoutMoveOrCondStore);
        }

        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(MailRunHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var before = await mail.TargetMessagesAsync("tanaka");
        var moved = await MoveOnSourceAsync(mail.Source, mail.Manifest);

        var run = await jobs.RunAsync(MailRunHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        (run.Run.Loaded, run.Run.Removed).Should().Be((1, 1), "the new place loaded by the move, the old place closed: " + run.Explain);
        var after = await mail.TargetMessagesAsync("tanaka");
        after.Should().HaveCount(before.Count, "moved, not copied");
        var found = after.Should().ContainSingle(m => m.Sha256 == moved.Sha256).Subject;
        found.Folder.Should().Be(Destination);
        found.Flags.HasFlag(MessageFlags.Flagged).Should().BeTrue("the flag set on the way is carried");
        await AssertLedgerAsync(mail.Workspace, moved, run.Run.RunId, $":{Destination}");
        AssertReconciledComplete(run);
        var idle = await jobs.RunAsync(MailRunHarness.Job);
        (idle.ExitCode, idle.Run.Loaded, idle.Run.Removed).Should().Be((ExitCodes.Success, 0, 0), idle.Explain);
    }

    [Fact]
    public async Task Graph_MessageMovedOnTheSource_IsMovedByTheMoveAction_NotCreatedAgain()
    {
        await using var mail = await MailGraphHarness.StartAsync(["tanaka"], messages: 24);
        var upn = MailGraphHarness.Upn("tanaka");
        var jobs = new JobLayer(mail.Workspace);
        (await jobs.RunAsync(MailGraphHarness.Job)).ExitCode.Should().Be(ExitCodes.Success);
        var count = mail.Graph.Store.AllMessages(upn).Count;
        var creates = mail.Graph.Stats.CreateCallsFor(upn);
        var moved = await MoveOnSourceAsync(mail.Source, mail.Manifest);
        var oldId = mail.TargetBySha("tanaka")[moved.Sha256].Single().Id;

        var run = await jobs.RunAsync(MailGraphHarness.Job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        (run.Run.Loaded, run.Run.Removed).Should().Be((1, 1), run.Explain);
        mail.Graph.Stats.CreateCallsFor(upn).Should().Be(creates, "the message is moved, not created again");
        mail.Graph.Store.AllMessages(upn).Should().HaveCount(count);
        var found = mail.TargetBySha("tanaka")[moved.Sha256].Should().ContainSingle().Subject;
        found.Id.Should().NotBe(oldId, "Exchange gives a moved message a new id");
        mail.FolderPath("tanaka", found.ParentFolderId).Should().Be(Destination);
        found.FlagStatus.Should().Be("flagged");
        await AssertLedgerAsync(mail.Workspace, moved, run.Run.RunId, found.Id);
        AssertReconciledComplete(run);
    }
}

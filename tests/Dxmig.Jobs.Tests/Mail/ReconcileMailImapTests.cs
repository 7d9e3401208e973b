using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport.Jobs;
using MailKit;
using MailKit.Search;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>Reconciliation of an IMAP target (Dovecot) through the job layer: a clean run, then mismatches planted on the target.</summary>
public sealed class ReconcileMailImapTests
{
    [Fact]
    public async Task Reconcile_ImapTarget_CleanRunIsCompleteThenDeletedDoubledAndReflaggedMessagesAreReported()
    {
        await using var mail = await MailRunHarness.StartAsync(["tanaka"], messages: 20);
        var jobs = new JobLayer(mail.Workspace);
        var run = await jobs.RunAsync(MailRunHarness.Job);
        run.ExitCode.Should().Be(0, run.Explain);
        run.Reconciliation.Should().NotBeNull("the job reconciles after its run");
        var clean = ReportSummary.Read(run.Reconciliation!.Folder);
        clean["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, run.Explain);

        // Plant on the target: one message deleted, one appended twice, one flag changed.
        using (var client = await mail.Target.ConnectAsMasterAsync("tanaka"))
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            var uids = await inbox.SearchAsync(SearchQuery.All);
            uids.Count.Should().BeGreaterThan(3);
            using (var copy = await inbox.GetMessageAsync(uids[1]))
            {
                await inbox.AppendAsync(copy, MessageFlags.Seen);
            }

            await inbox.AddFlagsAsync(uids[0], MessageFlags.Deleted, silent: true);
            await inbox.ExpungeAsync();
            var flagged = (await inbox.FetchAsync([uids[2]], MessageSummaryItems.Flags))[0].Flags!.Value.HasFlag(MessageFlags.Flagged);
            if (flagged)
            {
                await inbox.RemoveFlagsAsync(uids[2], MessageFlags.Flagged, silent: true);
            }
            else
            {
                await inbox.AddFlagsAsync(uids[2], MessageFlags.Flagged, silent: true);
            }

            await client.DisconnectAsync(true);
        }

        var output = Path.Combine(mail.Workspace.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(MailRunHarness.Job, output);
        reconcile.ExitCode.Should().Be(2, reconcile.Explain);
        var summary = ReportSummary.Read(output);
        summary["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(1);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["doubled"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["differences"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(1);
        (await File.ReadAllLinesAsync(Path.Combine(output, "missing.csv"))).Should().HaveCount(2);
        (await File.ReadAllLinesAsync(Path.Combine(output, "doubled.csv"))).Should().HaveCount(2);
        (await File.ReadAllTextAsync(Path.Combine(output, "differences.csv"))).Should().Contain(",flags,").And.Contain("\\Flagged");

        var html = Path.Combine(output, "index.html");
        var page = await ReportBrowser.RenderAsync(html);
        page.Should().Contain("<td>tanaka</td>").And.Contain("欠落 1").And.Contain("重複 1");
        var detail = await ReportBrowser.RenderAsync(html, "#account=tanaka");
        detail.Should().Contain("<td>doubled</td>").And.Contain("<td>missing</td>").And.Contain("<td>flags</td>");
        await ReportBrowser.ScreenshotAsync(html, "reconcile-mail-imap", "#account=tanaka");

        // Missing, doubled and reflagged messages are not complete: what arrived and matches over what should arrive.
        var tanaka = summary["accounts"]![0]!;
        var arrived = tanaka["totals"]!["arrived"]!.GetValue<long>();
        var should = tanaka["totals"]!["shouldArrive"]!.GetValue<long>();
        arrived.Should().BeLessThanOrEqualTo(should - 3, "one missing, one doubled, one differing");
        tanaka["completionPercent"]!.GetValue<double>().Should().BeLessThan(100).And.Be(Math.Round(100.0 * arrived / should, 2));
        await using var live = await ReportPage.OpenAsync(html, width: 800);
        (await live.TextAsync("document.getElementById('next').dataset.steps")).Should().Be("mismatches");
        (await live.TextAsync("document.getElementById('next').innerText")).Should().Contain("missing.csv").And.Contain("dxmig run ");
        (await live.NumberAsync("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(800);
        // The source is Dovecot on loopback without TLS: its mode in words, never the setting's name "(None)".
        await Reports.ReportPageTests.AssertNoInternalNamesAsync(live);
    }
}

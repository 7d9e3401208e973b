using System.Text.Json.Nodes;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.Graph;
using Dxmig.TestSupport.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dxmig.Jobs.Tests.Mail;

/// <summary>Reconciliation of a Graph target (the emulator): a clean run, then mismatches planted through Graph itself.</summary>
public sealed class ReconcileMailGraphTests
{
    [Fact]
    public async Task Reconcile_GraphTarget_CleanRunIsCompleteThenDeletedDoubledAndReflaggedMessagesAreReported()
    {
        await using var mail = await MailGraphHarness.StartAsync(["tanaka"], messages: 20);
        var jobs = new JobLayer(mail.Workspace);
        var run = await jobs.RunAsync(MailGraphHarness.Job);
        run.ExitCode.Should().Be(0, run.Explain);
        run.Reconciliation.Should().NotBeNull("the job reconciles after its run");
        ReportSummary.Read(run.Reconciliation!.Folder)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1, run.Explain);

        // Plant on the target, through Graph: one message deleted, one created a second time with its source key, one flag changed.
        var upn = MailGraphHarness.Upn("tanaka");
        var messages = mail.Graph.Store.AllMessages(upn).Where(m => !m.IsDraft).Take(3).ToList();
        using var session = new GraphSession(new GraphTargetOptions
        {
            BaseUrl = new Uri(mail.Graph.BaseUrl), AuthorityHost = mail.Graph.AuthorityHost, TenantId = mail.Graph.TenantId, ClientId = mail.Graph.ClientId,
            ClientSecret = mail.Graph.ClientSecret, PinnedSha256 = mail.Graph.CertificateSha256,
        });
        var engine = new GraphEngine(session, NullLogger.Instance, TimeProvider.System);
        var user = "/users/" + Uri.EscapeDataString(upn);
        var copy = new JsonObject
        {
            ["subject"] = messages[1].Subject,
            ["singleValueExtendedProperties"] = new JsonArray(
                new JsonObject { ["id"] = GraphMessageBuilder.SourceKeyProperty, ["value"] = messages[1].ExtendedProperty(GraphMessageBuilder.SourceKeyProperty) },
                new JsonObject { ["id"] = GraphMessageBuilder.MessageFlagsProperty, ["value"] = "1" }),
        };
        var answers = await engine.RunAsync(upn, [
            new GraphOperation("DELETE", $"{user}/messages/{messages[0].Id}"),
            new GraphOperation("POST", $"{user}/mailFolders/{messages[1].ParentFolderId}/messages", System.Text.Encoding.UTF8.GetBytes(copy.ToJsonString())),
            new GraphOperation("PATCH", $"{user}/messages/{messages[2].Id}", System.Text.Encoding.UTF8.GetBytes($$"""{"isRead": {{(!messages[2].IsRead).ToString().ToLowerInvariant()}}}""")),
        ], CancellationToken.None);
        answers.Should().OnlyContain(a => a.IsDone);

        var output = Path.Combine(mail.Workspace.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(MailGraphHarness.Job, output);

        reconcile.ExitCode.Should().Be(2, reconcile.Explain);
        var summary = ReportSummary.Read(output);
        summary["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(1);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["doubled"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["differences"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(1);
        (await File.ReadAllTextAsync(Path.Combine(output, "differences.csv"))).Should().Contain(",flags,");
        var page = await ReportBrowser.RenderAsync(Path.Combine(output, "index.html"));
        page.Should().Contain("<td>tanaka</td>").And.Contain("欠落 1").And.Contain("重複 1");
    }
}

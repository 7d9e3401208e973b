using System.Text.Json.Nodes;
using Dxmig.Platform.Pipeline;
using Dxmig.Sandbox;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// The hostile-input corpus (<see cref="HostileMailCorpus"/>, without its 200 MB message) through <c>dxmig run</c>,
/// then <c>dxmig reconcile</c> and <c>dxmig reconcile --deep</c> from the command line, to an IMAP and to a Graph target:
/// every message the source holds is reconciled as present on the target or reported as its own finding; the mailbox
/// is never incomplete (a 64 KB Subject once made the whole mailbox unreadable to reconciliation: issue 16).
/// </summary>
public sealed class HostileMailReconcileTests(ITestOutputHelper log)
{
    private const string User = "hostile";

    [Fact]
    public async Task Reconcile_HostileCorpusImapToImap_EveryMessagePresentOrItsOwnFinding_ShallowAndDeep()
    {
        await using var mail = await MailRunHarness.StartAsync([User], messages: 3);
        var (names, _) = await new HostileMailCorpus(includeHuge: false).FillAsync(mail.Source, User);
        names.Should().Contain(["subject-64kb", "message-id-64kb", "header-line-1mb", "header-lines-5000"]);
        var held = await HeldAsync(mail.Source);

        var (code, output, error) = await mail.RunAsync();
        log.WriteLine(output + error);
        code.Should().BeOneOf(ExitCodes.Success, ExitCodes.Quarantined);

        foreach (var deep in new[] { false, true })
        {
            await ReconcileAsync(mail.Cli, MailRunHarness.Job, deep, held);
        }
    }

    [Fact]
    public async Task Reconcile_HostileCorpusImapToGraph_EveryMessagePresentOrItsOwnFinding_ShallowAndDeep()
    {
        await using var mail = await MailGraphHarness.StartAsync([User], messages: 3);
        await new HostileMailCorpus(includeHuge: false).FillAsync(mail.Source, User);
        var held = await HeldAsync(mail.Source);

        var (code, output, error) = await mail.RunAsync();
        log.WriteLine(output + error);
        code.Should().BeOneOf(ExitCodes.Success, ExitCodes.Quarantined);

        foreach (var deep in new[] { false, true })
        {
            await ReconcileAsync(mail.Cli, MailGraphHarness.Job, deep, held);
        }
    }

    /// <summary>
    /// One reconciliation from the command line: exit 0 or 1, never incomplete; nothing missing, extra, doubled or
    /// different; every source message matched or listed as an exception of its own (quarantined, skipped, unreadable).
    /// </summary>
    private async Task ReconcileAsync(CliHarness cli, string job, bool deep, int held)
    {
        var report = Path.Combine(cli.Folder, deep ? "report-deep" : "report");
        string[] args = deep ? ["reconcile", job, "--out", report, "--deep"] : ["reconcile", job, "--out", report];
        var (code, output, error) = await cli.RunAsync(args);
        var summary = ReportSummary.Read(report);
        var totals = summary["totals"]!;
        var exceptions = File.ReadAllLines(Path.Combine(report, "exceptions.csv")).Skip(1).ToList();
        log.WriteLine($"reconcile{(deep ? " --deep" : string.Empty)}: exit {code}; {totals.ToJsonString()}\n{string.Join('\n', exceptions)}\n{output}{error}");

        code.Should().BeOneOf([ExitCodes.Success, ExitCodes.Quarantined], output + error);
        summary["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(0, output + error);
        foreach (var list in new[] { "missing", "extra", "doubled", "differences" })
        {
            Count(totals, list).Should().Be(0, $"{list}: {output}{error}");
        }

        Count(totals, "sourceItems").Should().Be(held, "the reconciler reads every message the source holds");
        (Count(totals, "matched") + Count(totals, "exceptions")).Should().Be(held, "each message is present on the target or its own finding");
        exceptions.Should().HaveCount((int)Count(totals, "exceptions"), "each exception is listed with where it is and why");
    }

    private static long Count(JsonNode totals, string name) => totals[name]!.GetValue<long>();

    private static async Task<int> HeldAsync(DovecotServer server)
    {
        using var client = await server.ConnectAsMasterAsync(User);
        var messages = await HostileMailCorpus.ReadAsync(client);
        await client.DisconnectAsync(true);
        return messages.Count;
    }
}

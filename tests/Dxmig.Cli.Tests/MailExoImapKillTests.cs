using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig run</c> of the exo-imap example job as its own process (app-only OAuth into the sandbox, through Exchange's
/// behaviour proxy), killed with SIGKILL mid-run, then resumed.
/// </summary>
public sealed class MailExoImapKillTests
{
    [Fact]
    public async Task Run_KilledWithSigkillMidRun_ResumesWithNothingLostOrDoubled()
    {
        string[] users = [.. Enumerable.Range(1, 4).Select(i => $"user{i:00}")];
        await using var big = await ExoImapHarness.StartAsync(users, messages: 300);
        var process = big.Cli.StartChild(ExoImapHarness.Job);
        await big.Cli.WaitForLoadedAsync(minimumLoaded: 300, process);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        var loadedAtKill = (await big.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
        loadedAtKill.Should().BeLessThan(big.Manifest.Messages.Count(), "the kill must land mid-run for this test to mean anything");
        var appendedAtKill = big.Proxy.Appends;

        var (code, output, error) = await big.RunAsync();

        code.Should().Be(ExitCodes.Success, output + error);
        var (lost, doubled) = await big.LossAsync(users);
        ChaosTally.Record("imap→exo-imap, SIGKILL mid-run then resume (XOAUTH2 through Exchange's behaviour proxy)",
            faults: 1, kills: 1, runs: 2, big.Manifest.Messages.Count(), lost, doubled);
        (lost, doubled).Should().Be((0, 0));
        foreach (var mailbox in big.Manifest.Mailboxes)
        {
            await big.AssertTargetHoldsAsync(mailbox.User, mailbox.Messages.Select(m => m.ToStored()));
        }

        var states = await big.Cli.LedgerStatesAsync();
        states.Should().NotContainKey(ItemState.Pending);
        states[ItemState.Loaded].Should().Be(big.Manifest.Messages.Count());
        appendedAtKill.Should().BeGreaterThanOrEqualTo(loadedAtKill, "what the ledger had recorded was on the target");
    }

    [Fact]
    public async Task Run_ImapFirstKilledWithSigkillMidRun_ResumesWithNothingLostOrDoubledAcrossBothPaths()
    {
        // The largest sixth of the messages go by Graph, the rest by IMAP.
        string[] users = [.. Enumerable.Range(1, 3).Select(i => $"user{i:00}")];
        await using var big = await ExoImapHarness.StartAsync(users, messages: 300);
        var sizes = big.Manifest.Messages.Select(m => m.Size).Order().ToList();
        var limit = sizes[sizes.Count * 5 / 6];
        big.Workspace.Environment["DXMIG_EXO_ROUTE"] = "imap-first";
        big.Workspace.Environment["DXMIG_EXO_IMAP_MAX_SIZE"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var byGraph = big.Manifest.Messages.Count(m => m.Size > limit);
        byGraph.Should().BeGreaterThan(10, "both paths carry a share of the corpus");
        var process = big.Cli.StartChild(ExoImapHarness.Job);
        await big.Cli.WaitForLoadedAsync(minimumLoaded: 250, process);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        var loadedAtKill = (await big.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
        loadedAtKill.Should().BeLessThan(big.Manifest.Messages.Count(), "the kill must land mid-run for this test to mean anything");

        var (code, output, error) = await big.RunAsync();

        code.Should().Be(ExitCodes.Success, "the run and its reconciliation through IMAP, which sees what both paths wrote: " + output + error);
        var (lost, doubled) = await big.LossAcrossPathsAsync(users);
        ChaosTally.Record("imap→exo-imap, route imap-first (large ones by Graph), SIGKILL mid-run then resume",
            faults: 1, kills: 1, runs: 2, big.Manifest.Messages.Count(), lost, doubled);
        (lost, doubled).Should().Be((0, 0));
        users.Sum(u => big.Graph.Store.AllMessages(ExoImapHarness.Upn(u)).Count).Should().Be(byGraph, "exactly the large ones went by Graph");
        var states = await big.Cli.LedgerStatesAsync();
        states.Should().NotContainKey(ItemState.Pending);
        states[ItemState.Loaded].Should().Be(big.Manifest.Messages.Count());
    }
}

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
}

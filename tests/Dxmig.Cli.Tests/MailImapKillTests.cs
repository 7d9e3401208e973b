using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig run</c> of the IMAP → IMAP example job as its own process, killed with SIGKILL mid-run, then resumed.</summary>
public sealed class MailImapKillTests
{
    [Fact]
    public async Task Run_KilledWithSigkillMidRun_ResumesWithNothingLostOrDoubled()
    {
        await using var big = await MailRunHarness.StartAsync([.. Enumerable.Range(1, 6).Select(i => $"user{i:00}")], messages: 400);
        var process = big.Cli.StartChild(MailRunHarness.Job);
        await big.Cli.WaitForLoadedAsync(minimumLoaded: 300, process);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        var loadedAtKill = (await big.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
        loadedAtKill.Should().BeLessThan(big.Manifest.Messages.Count(), "the kill must land mid-run for this test to mean anything");

        var (code, output, error) = await big.RunAsync();

        code.Should().Be(ExitCodes.Success, output + error);
        foreach (var mailbox in big.Manifest.Mailboxes)
        {
            await big.AssertTargetHoldsAsync(mailbox.User, mailbox.Messages.Select(m => m.ToStored()));
        }

        var states = await big.Cli.LedgerStatesAsync();
        states.Should().NotContainKey(ItemState.Pending);
        states[ItemState.Loaded].Should().Be(big.Manifest.Messages.Count());
    }
}

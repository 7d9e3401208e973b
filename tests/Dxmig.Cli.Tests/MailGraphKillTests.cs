using Dxmig.GraphEmulator;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Cli.Tests;

/// <summary><c>dxmig run</c> of the IMAP → Graph example job as its own process, killed with SIGKILL mid-run, then resumed.</summary>
public sealed class MailGraphKillTests
{
    [Fact]
    public async Task Run_KilledWithSigkillMidRun_ResumesWithNothingLostOrDoubled()
    {
        await using var big = await MailGraphHarness.StartAsync(
            [.. Enumerable.Range(1, 4).Select(i => $"user{i:00}")], messages: 300,
            new ThrottlingSettings { RequestLimit = 120, RequestWindow = TimeSpan.FromSeconds(2) });
        var process = big.Cli.StartChild(MailGraphHarness.Job);
        await big.Cli.WaitForLoadedAsync(minimumLoaded: 300, process);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        var loadedAtKill = (await big.Cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded);
        loadedAtKill.Should().BeLessThan(big.Manifest.Messages.Count(), "the kill must land mid-run for this test to mean anything");
        var createdAtKill = big.Manifest.Mailboxes.Sum(m => big.Graph.Store.AllMessages(MailGraphHarness.Upn(m.User)).Count);

        var (code, output, error) = await big.RunAsync();

        code.Should().Be(ExitCodes.Success, output + error);
        foreach (var mailbox in big.Manifest.Mailboxes)
        {
            big.AssertNothingLostOrDoubled(mailbox.User, mailbox.Messages);
        }

        var states = await big.Cli.LedgerStatesAsync();
        states.Should().NotContainKey(ItemState.Pending);
        states[ItemState.Loaded].Should().Be(big.Manifest.Messages.Count());
        createdAtKill.Should().BeGreaterThanOrEqualTo(loadedAtKill);
    }
}

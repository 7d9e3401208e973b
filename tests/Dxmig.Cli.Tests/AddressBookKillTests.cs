using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig run</c> of an address-book job into the SQLite platform store as its own process, killed with SIGKILL at
/// several points, each time resumed: the store's loader upserts by the contact's key and, on a SQLite ledger, no intent
/// is written before its batches (<see cref="Dxmig.Contracts.IKeyedUpsertLoader"/>), so a kill between the store's commit
/// and the ledger's leaves contacts the ledger does not know. The resumed runs must end with every contact once in the
/// store and loaded in the ledger, the two naming the same rows.
/// </summary>
public sealed class AddressBookKillTests
{
    [Fact]
    public async Task Run_KilledWithSigkillThreeTimesMidRun_ResumesWithNothingLostOrDoubled()
    {
        using var cli = new CliHarness();
        var samples = cli.Samples(accounts: 24, minRows: 250, maxRows: 350);
        var job = cli.JobFile(batchSize: 50, parallelism: 2);
        var atKills = new List<int>();
        foreach (var share in new[] { 0.15, 0.4, 0.7 })
        {
            var process = cli.StartChild(job);
            await cli.WaitForLoadedAsync((int)(samples.ExpectedLoaded * share), process);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            atKills.Add((await cli.LedgerStatesAsync()).GetValueOrDefault(ItemState.Loaded));
        }

        atKills.Should().OnlyContain(l => l < samples.ExpectedLoaded, "each kill must land mid-run for this test to mean anything");

        var (code, output, error) = await cli.RunAsync("run", job);

        code.Should().BeOneOf([ExitCodes.Success, ExitCodes.Quarantined], output + error);
        var states = await cli.LedgerStatesAsync();
        states.Should().NotContainKey(ItemState.Pending);
        states[ItemState.Loaded].Should().Be(samples.ExpectedLoaded);
        var contacts = await cli.Workspace.ContactsAsync(_ => true);
        contacts.Should().HaveCount(samples.ExpectedLoaded, "nothing lost, nothing doubled");
        contacts.Select(c => (c.OwnerAccount, c.SourceNativeId)).Should().OnlyHaveUniqueItems();
        var loaded = (await cli.Workspace.LedgerItemsAsync()).Where(i => i.State == ItemState.Loaded).ToList();
        loaded.Select(i => (i.Account, i.NativeId, i.TargetKey)).Should().BeEquivalentTo(
            contacts.Select(c => (c.OwnerAccount, c.SourceNativeId, (string?)$"contacts/{c.Id}")),
            "the ledger's loaded contacts are exactly the store's rows, each with its row's key");
    }
}

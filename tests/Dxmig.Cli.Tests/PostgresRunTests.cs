using Dxmig.Sandbox.Samples;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Cli.Tests;

public sealed class PostgresRunTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Run_LedgerAndStoreOnPostgres_WithPasswordsByReference()
    {
        var samples = cli.Samples(accounts: 3);
        var ledger = await postgres.Server.CreateDatabaseAsync();
        var store = await postgres.Server.CreateDatabaseAsync();
        cli.Environment["DXMIG_TEST_PG_PASSWORD"] = "not-used-with-trust-auth";
        var job = cli.JobFile();
        var text = File.ReadAllText(job)
            .Replace("  store: ../state/platform.db", $"  store: {store}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger:\n  location: {ledger}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal);
        File.WriteAllText(job, text);

        var (code, output, error) = await cli.RunAsync("run", job);
        var again = await cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Quarantined, error);
        output.Should().Contain("(一致 / balanced)");
        again.Output.Should().Contain($"処理済み {samples.ExpectedLoaded}");
        output.Should().NotContain("not-used-with-trust-auth");
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(store, "/")));
        (await db.Contacts.CountAsync()).Should().Be(samples.ExpectedLoaded);
        (await db.Contacts.CountAsync(c => c.Organization == "㈱みらい商事" && c.Name == "\uE000橋　一郎")).Should().Be(3);
        await using var ledgerDb = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(ledger, "/")));
        (await ledgerDb.Items.CountAsync(i => i.State == ItemState.Quarantined)).Should().Be(AddressBookSamples.PlantedQuarantined);
        (await ledgerDb.Runs.CountAsync()).Should().Be(2);
    }
}

using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.AddressBook;

/// <summary>The address-book job with its ledger and store on the private PostgreSQL, passwords by reference, through the job layer.</summary>
public sealed class AddressBookPostgresRunTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly JobWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Run_LedgerAndStoreOnPostgres_WithPasswordsByReference()
    {
        var jobs = new JobLayer(workspace);
        var samples = workspace.Samples(accounts: 3);
        var ledger = await postgres.Server.CreateDatabaseAsync();
        var store = await postgres.Server.CreateDatabaseAsync();
        workspace.Environment["DXMIG_TEST_PG_PASSWORD"] = "not-used-with-trust-auth";
        var job = workspace.JobFile();
        var text = File.ReadAllText(job)
            .Replace("  store: ../state/platform.db", $"  store: {store}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger:\n  location: {ledger}\n  password-env: DXMIG_TEST_PG_PASSWORD", StringComparison.Ordinal);
        File.WriteAllText(job, text);

        var run = await jobs.RunAsync(job);
        var again = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Balanced.Should().BeTrue();
        again.Run.AlreadyDone.Should().Be(samples.ExpectedLoaded, again.Explain);
        run.Explain.Should().NotContain("not-used-with-trust-auth");
        await using var db = new PlatformDbContext(StoreContextFactory.CreateOptions<PlatformDbContext>(StoreLocation.Parse(store, "/")));
        (await db.Contacts.CountAsync()).Should().Be(samples.ExpectedLoaded);
        (await db.Contacts.CountAsync(c => c.Organization == "㈱みらい商事" && c.Name == "\uE000橋　一郎")).Should().Be(3);
        await using var ledgerDb = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(ledger, "/")));
        (await ledgerDb.Items.CountAsync(i => i.State == ItemState.Quarantined)).Should().Be(AddressBookSamples.PlantedQuarantined);
        (await ledgerDb.Runs.CountAsync()).Should().Be(2);
    }
}

using Dxmig.Jobs.Console;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Dxmig.Jobs.Tests.Console;

/// <summary><see cref="ConsoleStore"/>: the audit log and the stop requests in the scheduler's store, the same on SQLite and PostgreSQL.</summary>
public abstract class ConsoleStoreContract
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));

    protected abstract Task<StoreLocation> LocationAsync();

    [Fact]
    public async Task Audit_IsAppendedWithItsTimeAndSecretsMasked_AndListedNewestFirstPageByPage()
    {
        const string Secret = "Kitsune-Pass-5517";
        SecretMasker.Register(Secret);
        SecretScan.Register(Secret);
        var location = await LocationAsync();
        var store = await ConsoleStore.OpenAsync(location, clock, CancellationToken.None);
        for (var i = 0; i < 25; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await store.AppendAuditAsync(new AuditEntry
            {
                User = $"operator{i}@pref.example.jp",
                Role = i % 2 == 0 ? "operator" : "viewer",
                Action = "stop",
                Job = "mail-wave1",
                RunId = "20261207T010000Z-0123abcd",
                Detail = i == 24 ? $"signed in with password={Secret} by mistake; {Secret}" : $"entry {i}",
                ClientAddress = "127.0.0.1",
                Outcome = "ok",
            }, CancellationToken.None);
        }

        var page1 = await store.ListAuditAsync(0, 10, CancellationToken.None);
        var page3 = await store.ListAuditAsync(20, 10, CancellationToken.None);

        page1.Total.Should().Be(25);
        page1.Entries.Should().HaveCount(10);
        page1.Entries.Select(e => e.Id).Should().BeInDescendingOrder();
        page3.Entries.Should().HaveCount(5);
        page3.Entries[^1].Detail.Should().Be("entry 0", "the oldest comes last");
        var newest = page1.Entries[0];
        newest.User.Should().Be("operator24@pref.example.jp");
        newest.Role.Should().Be("operator");
        newest.Utc.Should().Be(new DateTime(2026, 12, 7, 1, 25, 0, DateTimeKind.Utc));
        newest.Utc.Kind.Should().Be(DateTimeKind.Utc);
        newest.Detail.Should().NotContain(Secret).And.Contain(SecretMasker.Mask).And.StartWith("signed in with password=");
        newest.ClientAddress.Should().Be("127.0.0.1");

        // Opened again (the tables exist): the log is still there.
        var again = await ConsoleStore.OpenAsync(location, clock, CancellationToken.None);
        (await again.ListAuditAsync(0, 1, CancellationToken.None)).Total.Should().Be(25);
    }

    [Fact]
    public async Task StopRequests_OneOpenPerJobAndRun_ListedUntilHandled_AndHandledByOneNodeOnly()
    {
        var store = await ConsoleStore.OpenAsync(await LocationAsync(), clock, CancellationToken.None);
        var mail = await store.RequestStopAsync("mail-wave1", "20261207T010000Z-0123abcd", "operator1@pref.example.jp", CancellationToken.None);
        var twice = await store.RequestStopAsync("mail-wave1", "20261207T010000Z-0123abcd", "operator2@pref.example.jp", CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(5));
        var staff = await store.RequestStopAsync("staff", null, "operator2@pref.example.jp", CancellationToken.None);

        twice.Id.Should().Be(mail.Id, "an open request is not asked twice");
        twice.RequestedBy.Should().Be("operator1@pref.example.jp");
        (await store.OpenStopRequestsAsync(null, CancellationToken.None)).Select(r => r.Id).Should().Equal(mail.Id, staff.Id);
        var staffOnly = (await store.OpenStopRequestsAsync("staff", CancellationToken.None)).Should().ContainSingle().Subject;
        staffOnly.Kind.Should().Be(ConsoleRequest.StopKind);
        staffOnly.RunId.Should().BeNull();
        staffOnly.Utc.Should().Be(new DateTime(2026, 12, 7, 1, 0, 5, DateTimeKind.Utc));

        (await store.MarkHandledAsync(mail.Id, "node-a", CancellationToken.None)).Should().BeTrue();
        (await store.MarkHandledAsync(mail.Id, "node-b", CancellationToken.None)).Should().BeFalse("node-a handled it");
        (await store.MarkHandledAsync(999_999, "node-b", CancellationToken.None)).Should().BeFalse("no such request");
        (await store.OpenStopRequestsAsync(null, CancellationToken.None)).Select(r => r.Id).Should().Equal(staff.Id);

        // Two nodes at once: one wins.
        var both = await Task.WhenAll(
            Task.Run(() => store.MarkHandledAsync(staff.Id, "node-a", CancellationToken.None)),
            Task.Run(() => store.MarkHandledAsync(staff.Id, "node-b", CancellationToken.None)));
        both.Count(handled => handled).Should().Be(1);
        (await store.OpenStopRequestsAsync(null, CancellationToken.None)).Should().BeEmpty();

        // Handled: a new request is a new one.
        var later = await store.RequestStopAsync("mail-wave1", "20261207T010000Z-0123abcd", "operator1@pref.example.jp", CancellationToken.None);
        later.Id.Should().NotBe(mail.Id);
    }

    [Fact]
    public async Task Open_BesideTheLedgerInOneDatabase_Works_AndAnotherConsoleSchemaVersionIsRefused()
    {
        var location = await LocationAsync();
        await using (await JobLedger.OpenAsync(location, clock, CancellationToken.None))
        {
        }

        await ConsoleStore.OpenAsync(location, clock, CancellationToken.None);
        await using (var connection = await StoreConnections.OpenAsync(location, CancellationToken.None))
        {
            await using var bump = connection.Command("UPDATE dxmig_schema SET version = 2 WHERE component = 'console'");
            (await bump.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var act = () => ConsoleStore.OpenAsync(location, clock, CancellationToken.None);

        (await act.Should().ThrowAsync<StoreSchemaException>()).Which.Message.Should()
            .Contain("console スキーマはバージョン 2").And.Contain("this dxmig uses 1");
        await using (await JobLedger.OpenAsync(location, clock, CancellationToken.None))
        {
            // The ledger's own component is untouched.
        }
    }
}

/// <summary>The console's store in SQLite (<c>$DXMIG_HOME/scheduler.db</c>).</summary>
public sealed class ConsoleStoreSqliteTests : ConsoleStoreContract, IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    protected override Task<StoreLocation> LocationAsync() => Task.FromResult(StoreLocation.Parse(temp.File("scheduler.db"), "/"));
}

/// <summary>The console's store in the cluster's PostgreSQL.</summary>
public sealed class ConsoleStorePostgresTests(PostgresFixture postgres) : ConsoleStoreContract, IClassFixture<PostgresFixture>
{
    protected override async Task<StoreLocation> LocationAsync() => StoreLocation.Parse(await postgres.Server.CreateDatabaseAsync(), "/");
}

using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Scheduling.Quartz;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Platform.Tests.Storage;

/// <summary>
/// Ledger and store connections to a real PostgreSQL over TLS: the right CA or the right pin connects (a round trip
/// through plain ADO.NET, EF Core and the Quartz schema), a wrong CA or pin is refused in plain words that name the host
/// and what to set, with no stack trace and no password; loopback without settings still connects.
/// </summary>
public sealed class PostgresTlsConnectionTests(TlsPostgresFixture pg) : IClassFixture<TlsPostgresFixture>
{
    private const string Password = "pw-Never-Shown-7";

    [Fact]
    public async Task The_right_ca_connects_verified_and_the_ledger_and_store_round_trip()
    {
        var location = StoreLocation.Parse($"{await pg.Server.CreateDatabaseAsync()};Root Certificate={pg.CaFile}", "/", Password);

        (await RoundTripAsync(location)).Should().BeTrue("the session is encrypted");
    }

    [Fact]
    public async Task The_right_pin_connects_and_the_ledger_store_and_scheduler_schema_round_trip()
    {
        var location = StoreLocation.Parse(
            $"{await pg.Server.CreateDatabaseAsync()};Certificate SHA256={TestCertificates.Sha256(pg.ServerCertificate)}", "/", Password);

        (await RoundTripAsync(location)).Should().BeTrue("the session is encrypted");
        await QuartzSchema.EnsureAsync(location, CancellationToken.None);
        await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var tables = connection.Command("SELECT count(*) FROM information_schema.tables WHERE table_name = 'qrtz_triggers'");
        Convert.ToInt64(await tables.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture).Should().Be(1);
    }

    [Fact]
    public async Task A_wrong_ca_is_refused_in_plain_words_on_every_path()
    {
        var location = StoreLocation.Parse($"{await pg.Server.CreateDatabaseAsync()};Root Certificate={pg.OtherCaFile}", "/", Password);

        var ledger = async () => await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var message = (await ledger.Should().ThrowAsync<ConfigurationException>()).Which.Message;
        AssertPlain(message, "ca-certificate");
        message.Should().Contain("検証できないため接続しませんでした").And.Contain("could not be verified");

        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(location));
        var ef = async () => await db.Runs.CountAsync();
        AssertPlain((await ef.Should().ThrowAsync<ConfigurationException>()).Which.Message, "ca-certificate");
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_in_plain_words_on_every_path()
    {
        using var other = TestCertificates.SelfSigned("127.0.0.1");
        var location = StoreLocation.Parse($"{await pg.Server.CreateDatabaseAsync()};Certificate SHA256={TestCertificates.Sha256(other)}", "/", Password);

        var ledger = async () => await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var message = (await ledger.Should().ThrowAsync<ConfigurationException>()).Which.Message;
        AssertPlain(message, "certificate-sha256");
        message.Should().Contain("固定した証明書").And.Contain("not the pinned one");

        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(location));
        var ef = async () => await db.Runs.CountAsync();
        AssertPlain((await ef.Should().ThrowAsync<ConfigurationException>()).Which.Message, "certificate-sha256");
    }

    [Fact]
    public async Task Loopback_without_tls_settings_still_connects_and_plain_can_be_asked_for()
    {
        var database = await pg.Server.CreateDatabaseAsync();

        // The system does not trust the test CA: were loopback forced to VerifyFull, these would fail.
        await RoundTripAsync(StoreLocation.Parse(database, "/", Password));
        (await RoundTripAsync(StoreLocation.Parse($"{database};SSL Mode=Disable", "/", Password))).Should().BeFalse("plain was asked for");
    }

    [Fact]
    public async Task Loopback_asking_for_verification_without_a_ca_is_refused_because_the_system_does_not_trust_it()
    {
        var location = StoreLocation.Parse($"{await pg.Server.CreateDatabaseAsync()};SSL Mode=VerifyFull", "/", Password);

        var ledger = async () => await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        AssertPlain((await ledger.Should().ThrowAsync<ConfigurationException>()).Which.Message, "ca-certificate");
    }

    internal static void AssertPlain(string message, string setting)
    {
        message.Should().Contain("PostgreSQL 127.0.0.1:").And.Contain(setting).And.Contain(" / ");
        message.Should().NotContain(Password).And.NotContain("   at ").And.NotContain("Exception");
    }

    /// <summary>Opens the ledger (schema through EF's script, a run through plain SQL), reads it back through EF; true when the session is TLS.</summary>
    internal static async Task<bool> RoundTripAsync(StoreLocation location)
    {
        await using (var ledger = await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None))
        {
            var run = await ledger.BeginRunAsync("tls-job", dryRun: true, CancellationToken.None);
            (await ledger.RecentRunsAsync("tls-job", 5, CancellationToken.None)).Select(r => r.RunId).Should().Contain(run.RunId);
        }

        await using (var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(location)))
        {
            (await db.Runs.CountAsync(r => r.Job == "tls-job")).Should().BeGreaterThan(0);
        }

        await using var connection = await StoreConnections.OpenAsync(location, CancellationToken.None);
        await using var ssl = connection.Command("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        return (bool)(await ssl.ExecuteScalarAsync())!;
    }
}

/// <summary>VerifyFull checks the name: a certificate from the right CA that is not made out to the host is refused.</summary>
public sealed class PostgresTlsNameTests(MisnamedTlsPostgresFixture pg) : IClassFixture<MisnamedTlsPostgresFixture>
{
    [Fact]
    public async Task A_certificate_for_another_name_is_refused_although_its_ca_is_right()
    {
        var location = StoreLocation.Parse($"{await pg.Inner.Server.CreateDatabaseAsync()};Root Certificate={pg.Inner.CaFile}", "/", "pw-Never-Shown-7");

        var ledger = async () => await JobLedger.OpenAsync(location, TimeProvider.System, CancellationToken.None);
        var message = (await ledger.Should().ThrowAsync<ConfigurationException>()).Which.Message;
        PostgresTlsConnectionTests.AssertPlain(message, "ca-certificate");
        message.Should().Contain("証明書の名前が 127.0.0.1 と一致しません").And.Contain("not made out to 127.0.0.1");
    }

    [Fact]
    public async Task The_same_server_pinned_connects_since_a_pin_does_not_depend_on_names()
    {
        var location = StoreLocation.Parse(
            $"{await pg.Inner.Server.CreateDatabaseAsync()};Certificate SHA256={TestCertificates.Sha256(pg.Inner.ServerCertificate)}", "/");

        (await PostgresTlsConnectionTests.RoundTripAsync(location)).Should().BeTrue();
    }
}

using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Npgsql;

namespace Dxmig.Platform.Tests.Storage;

/// <summary>The TLS policy of PostgreSQL store locations, and how job files give it (no server needed).</summary>
public sealed class PostgresTlsTests : IDisposable
{
    private const string Password = "pw-Never-Shown-7";
    private const string Pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static SslMode Mode(StoreLocation location) => new NpgsqlConnectionStringBuilder(location.ConnectionString).SslMode;

    [Fact]
    public void A_remote_server_without_an_ssl_mode_is_verified_in_full()
    {
        var location = StoreLocation.Parse("Host=db1.pref.example.jp;Database=dxmig;Username=dxmig", "/", Password);

        Mode(location).Should().Be(SslMode.VerifyFull);
        location.PinnedSha256.Should().BeNull();
        location.Security.Should().Contain("VerifyFull");
    }

    [Theory]
    [InlineData("Disable")]
    [InlineData("Allow")]
    [InlineData("Prefer")]
    [InlineData("Require")]
    public void A_mode_that_does_not_verify_is_refused_off_loopback_in_plain_words_without_the_password(string mode)
    {
        var act = () => StoreLocation.Parse($"Host=10.20.30.40;Port=5433;Database=dxmig;Username=dxmig;SSL Mode={mode}", "/", Password);

        var message = act.Should().Throw<ConfigurationException>().Which.Message;
        message.Should().Contain("PostgreSQL 10.20.30.40:5433").And.Contain($"SSL Mode={mode}").And.Contain("ループバック以外には使えません")
            .And.Contain("refused for a host that is not loopback").And.Contain("ca-certificate").And.Contain("certificate-sha256");
        message.Should().NotContain(Password).And.NotContain("   at ");
    }

    [Fact]
    public void Trusting_any_server_certificate_is_refused_off_loopback()
    {
        var act = () => StoreLocation.Parse("Host=db1;Database=dxmig;Username=dxmig;Trust Server Certificate=true", "/", Password);

        act.Should().Throw<ConfigurationException>().WithMessage("*Trust Server Certificate=true*refused for a host that is not loopback*")
            .Which.Message.Should().NotContain(Password);
    }

    [Fact]
    public void A_pinned_certificate_allows_require_off_loopback_and_is_the_only_check()
    {
        var location = StoreLocation.Parse($"Host=db1;Database=dxmig;Username=dxmig;SSL Mode=Require;Certificate SHA256={Pin}", "/", Password);

        Mode(location).Should().Be(SslMode.Require);
        location.PinnedSha256.Should().Be(Pin.Replace(":", string.Empty, StringComparison.Ordinal));
        location.ConnectionString.Should().NotContain("SHA256", "Npgsql does not know dxmig's keyword");
        location.Security.Should().Contain("pinned");
    }

    [Fact]
    public void A_pin_with_plain_text_asked_for_is_refused()
    {
        var act = () => StoreLocation.Parse($"Host=db1;Database=dxmig;Username=dxmig;SSL Mode=Disable;Certificate SHA256={Pin}", "/");

        act.Should().Throw<ConfigurationException>().WithMessage("*TLS が必要です*a pinned certificate needs TLS*");
    }

    [Fact]
    public void A_pin_that_is_not_a_sha256_is_refused()
    {
        var act = () => StoreLocation.Parse("Host=db1;Database=dxmig;Username=dxmig;Certificate SHA256=12:34", "/");

        act.Should().Throw<ConfigurationException>().WithMessage("*64 hex digits*");
    }

    [Fact]
    public void Loopback_may_stay_plain_and_is_not_forced_to_verify()
    {
        foreach (var host in new[] { "127.0.0.1", "localhost", "::1", "/var/run/postgresql" })
        {
            var location = StoreLocation.Parse($"Host={host};Database=dxmig;Username=dxmig", "/");
            Mode(location).Should().NotBe(SslMode.VerifyFull, host);
            Mode(location).Should().NotBe(SslMode.VerifyCA, host);
        }

        Mode(StoreLocation.Parse("Host=127.0.0.1;Database=dxmig;Username=dxmig;SSL Mode=Disable", "/")).Should().Be(SslMode.Disable);
    }

    [Fact]
    public void A_ca_file_asks_for_full_verification_even_on_loopback_and_must_exist()
    {
        var ca = temp.Write("ca.pem", TestCertificates.CertificatePem(TestCertificates.CreateCa("dxmig test CA")));

        var location = StoreLocation.Parse("Host=127.0.0.1;Database=dxmig;Username=dxmig;Root Certificate=ca.pem", temp.Path);

        Mode(location).Should().Be(SslMode.VerifyFull);
        new NpgsqlConnectionStringBuilder(location.ConnectionString).RootCertificate.Should().Be(ca);
        var missing = () => StoreLocation.Parse("Host=db1;Database=dxmig;Username=dxmig;Root Certificate=nope.pem", temp.Path);
        missing.Should().Throw<ConfigurationException>().WithMessage($"*{temp.File("nope.pem")}*does not exist*");
        var weak = () => StoreLocation.Parse("Host=db1;Database=dxmig;Username=dxmig;Root Certificate=ca.pem;SSL Mode=Require", temp.Path);
        weak.Should().Throw<ConfigurationException>().WithMessage("*SSL Mode=Require does not verify*");
    }

    [Fact]
    public void Many_locations_plain_pinned_or_with_a_ca_share_ef_cores_internal_service_provider()
    {
        // EF Core refuses a twenty-first internal service provider: the refusal interceptor and the pinned data sources
        // must not make one per location.
        var ca = temp.Write("ca.pem", TestCertificates.CertificatePem(TestCertificates.CreateCa("dxmig test CA")));
        for (var i = 0; i < 30; i++)
        {
            var pin = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
            foreach (var value in new[]
                     {
                         $"Host=db{i};Database=dxmig;Username=dxmig",
                         $"Host=db{i};Database=dxmig;Username=dxmig;Certificate SHA256={pin}",
                         $"Host=127.0.0.{i + 1};Database=dxmig;Username=dxmig;Root Certificate={ca}",
                     })
            {
                using var db = new Ledger.LedgerDbContext(StoreContextFactory.CreateOptions<Ledger.LedgerDbContext>(StoreLocation.Parse(value, "/")));
                Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GenerateCreateScript(db.Database).Should().Contain("ledger_runs");
            }
        }
    }

    [Fact]
    public void Ledger_tls_section_is_folded_into_the_location()
    {
        temp.Write("ca.pem", TestCertificates.CertificatePem(TestCertificates.CreateCa("dxmig test CA")));
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source: {}
            target: {}
            ledger:
              location: Host=db1.pref.example.jp;Database=dxmig;Username=dxmig
              tls:
                ca-certificate: ca.pem
            """);

        var (job, diagnostics) = Read(path);

        diagnostics.Items.Should().BeEmpty();
        var location = job!.LedgerLocation();
        Mode(location).Should().Be(SslMode.VerifyFull);
        new NpgsqlConnectionStringBuilder(location.ConnectionString).RootCertificate.Should().Be(temp.File("ca.pem"));
    }

    [Fact]
    public void Ledger_tls_problems_are_reported_with_file_and_line_in_japanese_and_english()
    {
        var path = temp.Write("job.yaml", """
            name: wave1
            kind: test
            source: {}
            target: {}
            ledger:
              location: Host=db1;Database=dxmig;Username=dxmig;SSL Mode=Require
              tls:
                ca-certificate: missing-ca.pem
                certifcate-sha256: 12
            """);

        var (_, diagnostics) = Read(path);

        var rendered = diagnostics.Render();
        rendered.Should().Contain("job.yaml:8:").And.Contain("CA 証明書のファイル missing-ca.pem がありません").And.Contain("does not exist");
        rendered.Should().Contain("job.yaml:9:").And.Contain("certificate-sha256", "the typo gets a did-you-mean");
        rendered.Should().Contain("job.yaml:6:").And.Contain("SSL Mode=Require").And.Contain("ループバック以外");
    }

    private static (JobFile? Job, DiagnosticBag Diagnostics) Read(string path)
    {
        var diagnostics = new DiagnosticBag();
        var kinds = new Dictionary<string, JobKindSchema> { ["test"] = new("test", new Dictionary<string, bool>()) };
        var job = JobFileReader.Read(path, kinds, diagnostics, name => name == "DXMIG_HOME" ? "/tmp/dxmig-home-for-tests" : null);
        return (diagnostics.HasErrors ? null : job, diagnostics);
    }
}

using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;

namespace Dxmig.Cli.Tests;

/// <summary>
/// A job whose ledger (<c>ledger.tls</c>) and platform store (<c>target.store-tls</c>) are a private PostgreSQL over
/// TLS: run end to end with a pin and a CA file; refused with a plain message when the CA is wrong; and the TLS
/// settings checked by <c>dxmig validate</c> with file:line.
/// </summary>
public sealed class StoreTlsJobTests(TlsPostgresFixture pg) : IClassFixture<TlsPostgresFixture>, IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private async Task<string> JobAsync(string storeTls, string ledgerTls)
    {
        var job = cli.JobFile();
        var text = (await File.ReadAllTextAsync(job))
            .Replace("  store: ../state/platform.db", $"  store: {await pg.Server.CreateDatabaseAsync()}\n  store-tls:\n{storeTls}", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger:\n  location: {await pg.Server.CreateDatabaseAsync()}\n  tls:\n{ledgerTls}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(job, text);
        return job;
    }

    [Fact]
    public async Task Run_WithThePinnedLedgerAndTheCaVerifiedStore_LoadsEveryContact()
    {
        var samples = cli.Samples(accounts: 2);
        var job = await JobAsync($"    ca-certificate: {pg.CaFile}", $"    certificate-sha256: {TestCertificates.Sha256(pg.ServerCertificate)}");

        var (code, output, error) = await cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Quarantined, output + error);
        output.Should().Contain($"投入 {samples.ExpectedLoaded} +");
    }

    [Fact]
    public async Task Run_WithAStoreCaThatDidNotIssueTheCertificate_StopsWithAPlainMessage()
    {
        cli.Samples(accounts: 1);
        var job = await JobAsync($"    ca-certificate: {pg.OtherCaFile}", $"    ca-certificate: {pg.CaFile}");

        var (code, output, error) = await cli.RunAsync("run", job);

        code.Should().NotBe(ExitCodes.Success);
        (output + error).Should().Contain($"PostgreSQL 127.0.0.1:{pg.Server.Port} のサーバー証明書を検証できないため接続しませんでした")
            .And.Contain("could not be verified").And.NotContain("   at ").And.NotContain("AuthenticationException");
    }

    [Fact]
    public async Task Validate_ReportsTlsSettingsOfLedgerAndStoreWithFileAndLine()
    {
        cli.Samples(accounts: 1);
        var job = await JobAsync("    ca-certificate: no-such-ca.pem", "    certificate-sha256: 12:34");

        var (code, output, error) = await cli.RunAsync("validate", job);

        code.Should().Be(ExitCodes.Failed);
        var text = output + error;
        text.Should().Contain("addressbook.yaml:11:").And.Contain("CA 証明書のファイル no-such-ca.pem がありません").And.Contain("does not exist");
        text.Should().Contain("64 hex digits");
    }
}

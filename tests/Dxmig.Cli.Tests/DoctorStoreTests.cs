using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Xunit.Abstractions;

namespace Dxmig.Cli.Tests;

/// <summary>
/// <c>dxmig doctor</c> on an address-book job whose ledger (pinned) and platform store (CA-verified) are a private
/// PostgreSQL over TLS: the exports' header rows, both stores' TLS and schema; a CA that did not issue the server's
/// certificate is an NG in plain words.
/// </summary>
public sealed class DoctorStoreTests(TlsPostgresFixture pg, ITestOutputHelper log) : IClassFixture<TlsPostgresFixture>, IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private async Task<string> JobAsync(string name, string storeTls, string ledgerTls)
    {
        var job = cli.JobFile();
        var text = (await File.ReadAllTextAsync(job))
            .Replace("  store: ../state/platform.db", $"  store: {await pg.Server.CreateDatabaseAsync()}\n  store-tls:\n{storeTls}", StringComparison.Ordinal)
            .Replace("ledger: ../state/ledger.db", $"ledger:\n  location: {await pg.Server.CreateDatabaseAsync()}\n  tls:\n{ledgerTls}", StringComparison.Ordinal);
        return cli.Write($"jobs/{name}.yaml", text);
    }

    [Fact]
    public async Task Doctor_TlsPostgresStores_OkWithTheirSchemaAfterARun_AndAWrongCaIsNgInPlainWords()
    {
        cli.Samples(accounts: 2);
        var job = await JobAsync("good", $"    ca-certificate: {pg.CaFile}", $"    certificate-sha256: {TestCertificates.Sha256(pg.ServerCertificate)}");

        var (code, output, error) = await cli.RunAsync("doctor", job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Success, output + error);
        output.Should().Contain("OK   移行元 CSV / source CSV (user000)").And.Contain("OK   移行元 CSV / source CSV (user001)").And.Contain("見出し ");
        output.Should().Contain($"OK   プラットフォーム DB / platform store: PostgreSQL 127.0.0.1:{pg.Server.Port}/").And.Contain("TLS (検証 / verified: VerifyFull)");
        output.Should().Contain($"OK   台帳 / ledger: PostgreSQL 127.0.0.1:{pg.Server.Port}/").And.Contain("TLS (証明書を固定 / pinned certificate)");
        output.Should().Contain("スキーマはまだありません (最初の実行で作られます)", "doctor creates no table");

        (await cli.RunAsync("run", job)).ExitCode.Should().NotBe(ExitCodes.Failed);
        (code, output, error) = await cli.RunAsync("doctor", job);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Success, output + error);
        output.Split('\n').Where(l => l.Contains("スキーマ / schema: ", StringComparison.Ordinal)).Should().HaveCount(2, "the ledger's and the store's schema versions are read after the run made them");

        var wrong = await JobAsync("wrong-ca", $"    ca-certificate: {pg.OtherCaFile}", $"    ca-certificate: {pg.CaFile}");
        (code, output, error) = await cli.RunAsync("doctor", wrong);

        log.WriteLine(output + error);
        code.Should().Be(ExitCodes.Failed);
        output.Should().Contain("NG   プラットフォーム DB / platform store")
            .And.Contain($"PostgreSQL 127.0.0.1:{pg.Server.Port} のサーバー証明書を検証できないため接続しませんでした")
            .And.Contain("対処 / fix: サーバー管理者に証明書の発行元 (CA) と SHA-256 を確かめ")
            .And.NotContain("AuthenticationException").And.NotContain(SecretMasker.Mask);
        output.Should().Contain("OK   台帳 / ledger", "the ledger's CA is the right one");
    }
}

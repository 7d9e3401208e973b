using Dxmig.Cli.Serve;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport;
using Microsoft.Extensions.Hosting;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>
/// The scheduler's clustered store (Quartz's AdoJobStore on PostgreSQL) over TLS: a pinned certificate reaches Quartz's
/// own connections (they come from the pinned data source), and a wrong pin stops <c>dxmig serve</c> at start with a
/// plain message.
/// </summary>
public sealed class ServeTlsTests(TlsPostgresFixture pg) : IClassFixture<TlsPostgresFixture>, IDisposable
{
    private readonly CliHarness cli = new();
    private readonly RecordingRunner runner = new();
    private readonly ListLogger log = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Serve_OnAPinnedTlsSchedulerStore_FiresJobsThroughQuartz()
    {
        cli.Samples(accounts: 1);
        var job = cli.JobFile(extra: "schedule:\n  cron: \"* * * * * ?\"");
        var store = StoreLocation.Parse($"{await pg.Server.CreateDatabaseAsync()};Certificate SHA256={TestCertificates.Sha256(pg.ServerCertificate)}", "/");
        var settings = new ServeSettings
        {
            Debounce = TimeSpan.FromMilliseconds(200),
            JobsDirectory = Path.GetDirectoryName(job)!,
            Store = store,
            Node = "tls-node",
            Environment = name => cli.Environment.TryGetValue(name, out var v) ? v : null,
            ClosedDays = new WeekendsAndYearEnd(),
            Runner = runner,
        };
        using var loggers = log.Factory();
        using var host = await ServeHost.BuildAsync(settings, loggers, CancellationToken.None);
        await host.StartAsync();
        settings.Clustered.Should().BeTrue();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (runner.Calls.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        runner.Calls.Should().NotBeEmpty("the every-second job fires through Quartz's store over pinned TLS: " + string.Join('\n', log.Lines));
        await host.StopAsync();
    }

    [Fact]
    public async Task Serve_WithAWrongPin_StopsAtStartInPlainWords()
    {
        using var other = TestCertificates.SelfSigned("127.0.0.1");
        var jobs = Directory.CreateDirectory(Path.Combine(cli.Folder, "tls-jobs")).FullName;

        var (code, _, error) = await cli.RunAsync(
            "serve", "--jobs", jobs, "--store", await pg.Server.CreateDatabaseAsync(), "--store-certificate-sha256", TestCertificates.Sha256(other));

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain($"PostgreSQL 127.0.0.1:{pg.Server.Port} のサーバー証明書が固定した証明書 (certificate-sha256) と違うため接続しませんでした")
            .And.Contain("is not the pinned one").And.NotContain("   at ");
    }

    [Fact]
    public async Task Serve_WithAModeThatDoesNotVerifyToARemoteHost_IsRefusedAtStart()
    {
        var (code, _, error) = await cli.RunAsync(
            "serve", "--store", "Host=db1.pref.example.jp;Database=dxmig;Username=dxmig;SSL Mode=Require");

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("PostgreSQL db1.pref.example.jp:5432: SSL Mode=Require").And.Contain("refused for a host that is not loopback");
    }
}

using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Tests;

/// <summary>
/// A finished job's history lives in its ledger: <c>status JOB</c> shows it after the export has moved away, and
/// <c>reconcile JOB</c> says in one plain line which part of the source it cannot reach instead of calling the job
/// file broken.
/// </summary>
public sealed class HistoryWithoutSourceTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task StatusAndReconcile_AfterTheExportMoved_ShowTheHistoryAndSayWhatIsUnreachable()
    {
        cli.Environment["DXMIG_REPO"] = cli.Folder;
        cli.Samples(accounts: 2);
        var job = cli.JobFile();
        var (ran, runOutput, runError) = await cli.RunAsync("run", job);
        ran.Should().NotBe(ExitCodes.Failed, runOutput + runError);
        Directory.Move(cli.Exports, cli.Exports + "-archived");

        var (statusCode, status, statusError) = await cli.RunAsync("status", job);
        var (reconcileCode, _, reconcileError) = await cli.RunAsync("reconcile", job);
        var (validateCode, _, validateError) = await cli.RunAsync("validate", job);

        statusCode.Should().Be(ExitCodes.Success, statusError);
        status.Should().Contain("test-addressbook").And.Contain("user000").And.Contain("user001");
        statusError.Should().NotContain("エラー");

        reconcileCode.Should().Be(ExitCodes.Failed);
        var lines = reconcileError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle(l => l.Contains("移行元に届きません", StringComparison.Ordinal))
            .Which.Should().Contain("addressbook.yaml:").And.Contain("cannot reach the source").And.Contain("../exports");
        reconcileError.Should().Contain("not reconciled: the source cannot be read").And.NotContain("the configuration has errors");

        validateCode.Should().Be(ExitCodes.Failed, "a run needs the export: validate still says it is missing");
        validateError.Should().Contain("エラー: フォルダ ../exports がありません");
    }
}

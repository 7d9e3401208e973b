using System.Diagnostics;
using Dxmig.Sandbox.Samples;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.TestSupport;
using Microsoft.Data.Sqlite;

namespace Dxmig.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Run_AddressBooks_EveryRowAccountedAndASecondRunChangesNothing()
    {
        var samples = cli.Samples(accounts: 4);
        var job = cli.JobFile();

        var (code, output, error) = await cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Quarantined, error);
        output.Should().Contain("(一致 / balanced)").And.Contain("隔離した項目 / quarantined items").And.Contain("user000.csv:");
        output.Should().Contain("[bad-bytes]").And.Contain("[column-count]").And.Contain("[missing-key]").And.Contain("[bad-email]");
        (await cli.CountContactsAsync()).Should().Be(samples.ExpectedLoaded);
        var states = await cli.LedgerStatesAsync();
        states[ItemState.Loaded].Should().Be(samples.ExpectedLoaded);
        states[ItemState.Quarantined].Should().Be(AddressBookSamples.PlantedQuarantined);
        states[ItemState.Skipped].Should().Be(AddressBookSamples.PlantedSkipped);
        states.Should().NotContainKey(ItemState.Pending);
        var special = await cli.Workspace.ContactsAsync(c => c.Email == "ichiro.takahashi@example.jp");
        special.Should().HaveCount(4, "each account's export holds the row with ①㈱髙 and a 外字");
        special.Should().OnlyContain(c =>
            c.Name == "\uE000橋　一郎" && c.DisplayName == "髙橋　一郎" && c.Organization == "㈱みらい商事" && c.Department == "第①営業部" &&
            c.Memo == "髙と①と㈱～を含むメモ\r\n二行目 \"引用\" あり" && c.Gaiji == "U+E000" && c.Phone1E164 == "+81312345678");

        var second = await cli.RunAsync("run", job);

        second.Output.Should().Contain($"投入 0 + 削除 0 + スキップ {AddressBookSamples.PlantedSkipped} + 隔離 {AddressBookSamples.PlantedQuarantined} + 処理済み {samples.ExpectedLoaded}");
        (await cli.CountContactsAsync()).Should().Be(samples.ExpectedLoaded);
        Directory.GetFiles(Path.Combine(cli.Folder, "logs", "test-addressbook"), "*.jsonl").Should().HaveCount(2, "one JSON log per run");
    }

    [Fact]
    public async Task Run_OnlySomeAccounts_LoadsOnlyThose()
    {
        cli.Samples(accounts: 3);
        var job = cli.JobFile();

        var (code, output, _) = await cli.RunAsync("run", job, "--accounts", "user001,user002");

        code.Should().Be(ExitCodes.Success);
        output.Should().Contain("user001").And.Contain("user002").And.NotContain("user000");
    }

    [Fact]
    public async Task Run_UnknownAccount_IsABadConfiguration()
    {
        cli.Samples(accounts: 1);

        var (code, _, error) = await cli.RunAsync("run", cli.JobFile(), "--accounts", "nobody");

        code.Should().Be(ExitCodes.Failed);
        error.Should().Contain("このジョブにないアカウント: nobody");
    }

    [Fact]
    public async Task Run_DryRun_ReportsWithoutWriting()
    {
        var samples = cli.Samples(accounts: 2);

        var (code, output, _) = await cli.RunAsync("run", cli.JobFile(), "--dry-run");

        code.Should().Be(ExitCodes.Quarantined);
        output.Should().Contain("dry run").And.Contain($"投入 {samples.ExpectedLoaded} +");
        (await cli.CountContactsAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Status_AfterRuns_ShowsThemWithTheirAccounting()
    {
        cli.Samples(accounts: 2);
        var job = cli.JobFile();
        await cli.RunAsync("run", job);

        var (code, output, _) = await cli.RunAsync("status", job);

        code.Should().Be(ExitCodes.Success);
        output.Should().Contain("最近の実行 / recent runs").And.Contain("test-addressbook").And.Contain("隔離あり / quarantined").And.Contain("user001");
        // What the job keeps and for how long (the defaults), and that the run just made enforced it.
        output.Should().Contain("保存期間 / retention").And.Contain("730 日 / days").And.Contain("180 日 / days").And.Contain("B/行 / row")
            .And.Contain("最後の整理 / last enforced");
    }

    [Fact]
    public async Task Run_KilledWithSigkillMidRun_ResumesWithNothingLostOrCountedTwice()
    {
        var samples = cli.Samples(accounts: 24, minRows: 1500, maxRows: 1800);
        var job = cli.JobFile(batchSize: 25, parallelism: 2);
        var dll = RepoPaths.DxmigDll;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add(job);
        using var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();

        var loadedBeforeKill = await WaitForLoadedAsync(minimum: 3000, process);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();

        loadedBeforeKill.Should().BeLessThan(samples.ExpectedLoaded, "the kill must land mid-run for this test to mean anything");
        var (code, output, error) = await cli.RunAsync("run", job);

        code.Should().Be(ExitCodes.Quarantined, error);
        output.Should().Contain("(一致 / balanced)");
        (await cli.CountContactsAsync()).Should().Be(samples.ExpectedLoaded);
        var states = await cli.LedgerStatesAsync();
        states[ItemState.Loaded].Should().Be(samples.ExpectedLoaded);
        states.Should().NotContainKey(ItemState.Pending);
        var status = await cli.RunAsync("status", job);
        status.Output.Should().Contain("中断 / interrupted");
    }

    private async Task<long> WaitForLoadedAsync(int minimum, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (File.Exists(cli.Ledger))
            {
                try
                {
                    await using var connection = new SqliteConnection($"Data Source={cli.Ledger};Mode=ReadOnly");
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT COUNT(*) FROM ledger_items WHERE State = 'Loaded'";
                    var count = (long)(await command.ExecuteScalarAsync())!;
                    if (count >= minimum)
                    {
                        return count;
                    }
                }
                catch (SqliteException)
                {
                    // The tables are being created.
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the run never got far enough to be killed mid-run, or ended first");
    }
}

using System.Text;
using Dxmig.Platform.Pipeline;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Dxmig.TestSupport.Jobs;

namespace Dxmig.Jobs.Tests.AddressBook;

/// <summary>The address-book job's reconciliation after its run and on demand, through the job layer, and its report page in Chromium.</summary>
public sealed class ReconcileAddressBookTests : IDisposable
{
    private readonly JobWorkspace cli = new();
    private readonly JobLayer jobs;

    public ReconcileAddressBookTests() => jobs = new JobLayer(cli);

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Reconcile_AddressBooks_CleanIsCompleteThenAMissingRowAndAChangedFieldMakeItIncomplete()
    {
        Directory.CreateDirectory(cli.Exports);
        var csv = "名前,ふりがな,メールアドレス,組織名,部署,電話1\r\n" +
                  "髙橋 一郎,たかはし いちろう,ichiro@pref.example.jp,①㈱髙﨑,総務課,03-1234-5678\r\n" +
                  "佐藤 花子,さとう はなこ,hanako@pref.example.jp,県庁,=SUM(A1),\r\n" +
                  "鈴木 次郎,すずき じろう,jiro@pref.example.jp,県庁,情報政策課,\r\n";
        await File.WriteAllTextAsync(Path.Combine(cli.Exports, "clean.csv"), csv, new UTF8Encoding(true));
        var job = cli.JobFile();

        var run = await jobs.RunAsync(job);
        run.ExitCode.Should().Be(0, run.Explain);
        run.Reconciliation.Should().NotBeNull("the job reconciles after its run");
        var afterRun = run.Reconciliation!.Folder;
        File.Exists(run.Reconciliation.HtmlReport).Should().BeTrue();
        ReportSummary.Read(afterRun)["verdicts"]!["complete"]!.GetValue<int>().Should().Be(1);
        ReportSummary.Read(afterRun)["totals"]!["matched"]!.GetValue<long>().Should().Be(3);

        // Plant: a row gone from the store, a field changed.
        await using (var connection = await StoreConnections.OpenAsync(StoreLocation.Parse(cli.Store, "/"), CancellationToken.None))
        {
            await using var delete = connection.Command("DELETE FROM contacts WHERE \"Email\" = 'jiro@pref.example.jp'");
            (await delete.ExecuteNonQueryAsync()).Should().Be(1);
            await using var update = connection.Command("UPDATE contacts SET \"Department\" = '書き換え' WHERE \"Email\" = 'ichiro@pref.example.jp'");
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var output = Path.Combine(cli.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(job, output);
        reconcile.ExitCode.Should().Be(2, reconcile.Explain);
        var clean = reconcile.Outcome.Accounts.Should().ContainSingle(a => a.Account == "clean").Subject;
        clean.Verdict.Should().Be(Verdict.Incomplete);
        clean.Reason.Should().Contain("欠落 1").And.Contain("missing 1");

        var summary = ReportSummary.Read(output);
        summary["exitCode"]!.GetValue<int>().Should().Be(2);
        summary["verdicts"]!["incomplete"]!.GetValue<int>().Should().Be(1);
        summary["totals"]!["missing"]!.GetValue<long>().Should().Be(1);
        summary["totals"]!["differences"]!.GetValue<long>().Should().Be(1);

        var missing = await File.ReadAllBytesAsync(Path.Combine(output, "missing.csv"));
        missing.Take(3).Should().Equal(0xEF, 0xBB, 0xBF);
        Encoding.UTF8.GetString(missing).Should().Contain("jiro@pref.example.jp");
        var differences = await File.ReadAllTextAsync(Path.Combine(output, "differences.csv"));
        differences.Should().Contain("Department").And.Contain("総務課").And.Contain("書き換え");
        var accounts = await File.ReadAllTextAsync(Path.Combine(output, "accounts.csv"));
        accounts.Should().Contain("clean,incomplete");

        var html = Path.Combine(output, "index.html");
        var page = await ReportBrowser.RenderAsync(html);
        page.Should().Contain("<td>clean</td>").And.Contain("未完了 / incomplete").And.Contain("欠落 1");
        var detail = await ReportBrowser.RenderAsync(html, "#account=clean");
        detail.Should().Contain("Department").And.Contain("書き換え").And.Contain("jiro@pref.example.jp");
        await ReportBrowser.ScreenshotAsync(html, "reconcile-addressbook", "#account=clean");
    }

    [Fact]
    public async Task Reconcile_AnExportWithQuarantinedRows_IsNotAHundredPercent_AndThePageSaysFixTheseRowsAndRunAgain()
    {
        Directory.CreateDirectory(cli.Exports);
        var csv = "名前,ふりがな,メールアドレス,組織名,部署,電話1\r\n" +
                  "髙橋 一郎,たかはし いちろう,ichiro@pref.example.jp,県庁,総務課,03-1234-5678\r\n" +
                  "佐藤 花子,さとう はなこ,hanako@pref.example.jp,県庁,情報政策課,\r\n" +
                  ",,,県庁,名前もメールもない行,\r\n" +
                  "鈴木 次郎,すずき じろう,not-a-mail-address,県庁,情報政策課,\r\n";
        await File.WriteAllTextAsync(Path.Combine(cli.Exports, "rows.csv"), csv, new UTF8Encoding(true));
        var job = cli.JobFile();

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        run.Run.Loaded.Should().Be(2, run.Explain);
        run.Run.Quarantined.Should().BeGreaterThanOrEqualTo(1, run.Explain);
        var folder = run.Reconciliation!.Folder;
        var summary = ReportSummary.Read(folder);
        var totals = summary["totals"]!;
        var loaded = totals["ledgerLoaded"]!.GetValue<long>();
        var should = totals["shouldArrive"]!.GetValue<long>();
        loaded.Should().Be(2);
        should.Should().Be(2 + run.Run.Quarantined, "every row that is not skipped by a rule should arrive: " + summary.ToJsonString());
        var percent = totals["completionPercent"]!.GetValue<double>();
        percent.Should().BeLessThan(100, "quarantined rows did not arrive").And.Be(Math.Round(100.0 * loaded / should, 2));
        summary["accounts"]![0]!["completionPercent"]!.GetValue<double>().Should().Be(percent);

        var exceptions = await File.ReadAllLinesAsync(Path.Combine(folder, "exceptions.csv"));
        exceptions[0].TrimStart('\uFEFF').Should().StartWith("account,container,kind,reason,detail,source_key,target_key");
        exceptions.Skip(1).Select(l => l.Split(',')[3]).Should().OnlyContain(code => code.Length > 0 && !code.Contains(' ', StringComparison.Ordinal), "a code under reason");

        var html = Path.Combine(folder, "index.html");
        await using var page = await ReportPage.OpenAsync(html, width: 800);
        (await page.NumberAsync("Number(document.getElementById('total-completion').dataset.value)")).Should().Be(percent);
        (await page.NumberAsync("Number(document.getElementById('total-quarantined').dataset.count)")).Should().Be(run.Run.Quarantined);
        (await page.TextAsync("document.getElementById('next').dataset.steps")).Should().Contain("exceptions");
        (await page.TextAsync("document.getElementById('next').innerText")).Should().Contain("exceptions.csv").And.Contain("dxmig run " + job);
        (await page.NumberAsync("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(800);
        await Reports.ReportPageTests.AssertNoInternalNamesAsync(page);
        var chart = await page.TextAsync("document.getElementById('chart-completion').textContent");
        chart.Should().NotContain("rows: 100%", "the least-complete chart shows the real completion").And.Contain($"{percent:0.##}%");
    }
}

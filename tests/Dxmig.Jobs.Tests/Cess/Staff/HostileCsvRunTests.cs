using System.Diagnostics;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Xunit.Abstractions;

namespace Dxmig.Jobs.Tests.Cess.Staff;

/// <summary>
/// The hostile CESS staff export (<see cref="HostileStaffExport"/>) through the job layer's runs and reconciliations:
/// every data line ends loaded, or quarantined or skipped with file, line and reason; the run finishes in bounded time;
/// and no CSV the admin opens in Excel (report lists, pending deletions) carries a formula cell un-neutralised.
/// </summary>
public sealed class HostileCsvRunTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(60);
    private readonly StaffHarness staff = new();

    public void Dispose() => staff.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_HostileStaffExport_EachLineLoadedOrQuarantinedWithFileLineAndReason_AndNoFormulaReachesExcel(bool cp932)
    {
        var export = new HostileStaffExport(cp932);
        export.Write(staff.Export, staff.Identity);
        var job = staff.JobFile();

        var clock = Stopwatch.StartNew();
        var run = await new JobLayer(staff.Workspace).RunAsync(job);
        clock.Stop();
        log.WriteLine(run.Explain);

        run.ExitCode.Should().Be(ExitCodes.Quarantined, "the run goes on past every bad line and ends with quarantined items");
        clock.Elapsed.Should().BeLessThan(RunBound);
        var stored = await staff.StaffAsync();
        stored.Select(s => s.EmployeeId).Should().BeEquivalentTo(export.Loaded);
        stored.Single(s => s.EmployeeId == "H000011").Name.Should().Be(HostileStaffExport.SqlName, "a value is data, never SQL");
        stored.Should().Contain(s => s.EmployeeId == HostileStaffExport.QuotedId);
        (await LedgerAsync()).Should().ContainSingle(i => i.Code == "key-too-long", "a 65-character id would fail a whole PostgreSQL batch");

        var ledger = await LedgerAsync();
        for (var line = 2; line <= export.DataLines + 1; line++)
        {
            var rows = ledger.Where(i => i.Location == $"staff.csv:{line}").ToList();
            rows.Should().ContainSingle($"line {line} has one ledger row: no silent drop");
            if (rows[0].State != ItemState.Loaded)
            {
                rows[0].State.Should().BeOneOf(ItemState.Quarantined, ItemState.Skipped);
                rows[0].Code.Should().NotBeNullOrWhiteSpace($"line {line} has a reason code");
                rows[0].Message.Should().Contain(line.ToString(System.Globalization.CultureInfo.InvariantCulture), $"line {line}'s reason names its line");
                log.WriteLine($"line {line}: {rows[0].State} {rows[0].Code}: {Short(rows[0].Message!)}");
            }
        }

        ledger.Should().HaveCount(export.DataLines, "one ledger row per data line, none for the header");
        if (!cp932)
        {
            ledger.Where(i => i.Code == "repeated-header").Should().ContainSingle("the joined export's header row is named for what it is")
                .Which.State.Should().Be(ItemState.Skipped);
        }

        var reasons = ledger.Where(i => i.State != ItemState.Loaded).GroupBy(i => i.Code!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        log.WriteLine(ChaosTally.Record($"cess-staff csv ({(cp932 ? "CP932" : "UTF-8")}), hostile export", 0, 0, 1, export.DataLines,
            lost: export.DataLines - ledger.Count, doubled: 0, reasons));

        // Everyone gone from the next export: over the threshold, so the deletions wait in a list the admin reviews in Excel.
        File.WriteAllText(staff.Export, "\uFEFF" + Sandbox.Samples.StaffSamples.Header + "\r\n");
        var held = await new JobLayer(staff.Workspace).RunAsync(job);
        held.Run.Message.Should().Contain("--confirm-deletes", held.Explain);
        var pending = Directory.GetFiles(staff.Logs, "pending-deletions-*.csv").Should().ContainSingle().Subject;
        ReadCells(pending).Should().Contain("'" + HostileStaffExport.FormulaId, "the formula id is listed, neutralised");
        AssertNoFormula(Path.GetDirectoryName(pending)!);

        var runId = Path.GetFileNameWithoutExtension(pending)["pending-deletions-".Length..];
        var confirmed = await new JobLayer(staff.Workspace).RunAsync(job, confirmDeletes: runId);
        confirmed.ExitCode.Should().Be(ExitCodes.Success, confirmed.Explain);
        (await staff.StaffAsync()).Should().BeEmpty("the confirmed list, formula id included, was deleted");
    }

    [Fact]
    public async Task Run_HostileAddressBookExport_EachLineLoadedOrQuarantined_AndReportCsvsNeutraliseFormulas()
    {
        using var cli = new JobWorkspace();
        var jobs = new JobLayer(cli);
        Directory.CreateDirectory(cli.Exports);
        List<byte[]> rows =
        [
            "名前,ふりがな,メールアドレス,組織名,部署,電話1\r\n"u8.ToArray(),
            "=cmd|' /C calc'!A0,すうしき,formula@pref.example.jp,+県庁,-総務課,@03-1234-5678\r\n"u8.ToArray(),
            "ヌル 文字,ぬる,nul@pref.example.jp,県\0庁,総務課,\r\n"u8.ToArray(),
            "\"閉じない,とじない,open@pref.example.jp,県庁,総務課,\r\n"u8.ToArray(),
            [.. "壊れた 文字,こわれた,bad@pref.example.jp,"u8, 0xC3, 0x28, .. ",総務課,\r\n"u8],
            [.. "長い 部署,ながい,long@pref.example.jp,県庁,"u8, .. System.Text.Encoding.UTF8.GetBytes(new string('課', 350_000)), .. ",\r\n"u8],
            [0xEF, 0xBB, 0xBF, .. "結合 次郎,けつごう,jiro@pref.example.jp,県庁,総務課,\r\n"u8],
            "最後 三郎,さいご,saburo@pref.example.jp,県庁,総務課,\r\n"u8.ToArray(),
        ];
        await File.WriteAllBytesAsync(Path.Combine(cli.Exports, "hostile.csv"), [0xEF, 0xBB, 0xBF, .. rows.SelectMany(r => r)]);
        var job = cli.JobFile();

        var clock = Stopwatch.StartNew();
        var run = await jobs.RunAsync(job);
        clock.Stop();
        log.WriteLine(run.Explain);
        run.ExitCode.Should().Be(ExitCodes.Quarantined, run.Explain);
        clock.Elapsed.Should().BeLessThan(RunBound);
        var ledger = await cli.LedgerItemsAsync();
        for (var line = 2; line <= rows.Count; line++)
        {
            var mine = ledger.Where(i => i.Location != null && i.Location.EndsWith($"hostile.csv:{line}", StringComparison.Ordinal)).ToList();
            mine.Should().ContainSingle($"line {line} has one ledger row: no silent drop");
            mine[0].State.Should().Be(line is 3 or 4 or 5 ? ItemState.Quarantined : ItemState.Loaded, $"line {line}: {mine[0].Code} {mine[0].Message}");
        }

        (await cli.CountContactsAsync()).Should().Be(4);

        // A formula planted in the store as well, so that the differences list carries one on each side.
        await using (var connection = await StoreConnections.OpenAsync(StoreLocation.Parse(cli.Store, "/"), CancellationToken.None))
        {
            await using var update = connection.Command("UPDATE contacts SET \"Department\" = '=HYPERLINK(\"http://x\")' WHERE \"Email\" = 'formula@pref.example.jp'");
            (await update.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var report = Path.Combine(cli.Folder, "report");
        var reconcile = await jobs.ReconcileAsync(job, report);
        log.WriteLine(reconcile.Explain);
        var cells = Directory.GetFiles(report, "*.csv").SelectMany(ReadCells).ToList();
        cells.Should().Contain(c => c.Contains("HYPERLINK", StringComparison.Ordinal), "the report must carry the formula for this test to mean anything");
        cells.Should().Contain(c => c.Contains("hostile.csv:3", StringComparison.Ordinal), "the quarantined lines are listed with file and line");
        AssertNoFormula(report);
    }

    private async Task<List<LedgerItem>> LedgerAsync()
    {
        var path = Path.Combine(Path.GetDirectoryName(staff.Export)!, "..", "state", "ledger.db");
        await using var db = new LedgerDbContext(StoreContextFactory.CreateOptions<LedgerDbContext>(StoreLocation.Parse(Path.GetFullPath(path), "/")));
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(db.Items);
    }

    /// <summary>Every CSV in the folder: no cell that Excel would run as a formula.</summary>
    private static void AssertNoFormula(string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*.csv"))
        {
            ReadCells(file).Should().NotContain(c => c.Length > 0 && "=+-@\t\r".Contains(c[0], StringComparison.Ordinal), $"{Path.GetFileName(file)} is opened in Excel");
        }
    }

    /// <summary>The cells of a CSV file, quotes undone, as a CSV reader (here the framework's TextFieldParser) sees them.</summary>
    private static List<string> ReadCells(string path)
    {
        using var parser = new Microsoft.VisualBasic.FileIO.TextFieldParser(path, System.Text.Encoding.UTF8) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var cells = new List<string>();
        while (!parser.EndOfData)
        {
            cells.AddRange(parser.ReadFields() ?? []);
        }

        return cells;
    }

    private static string Short(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

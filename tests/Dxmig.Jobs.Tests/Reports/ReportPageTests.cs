using System.Globalization;
using System.Text.Json.Nodes;
using Dxmig.Contracts;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.TestSupport;
using MailKit.Net.Imap;

namespace Dxmig.Jobs.Tests.Reports;

/// <summary>
/// The report page as an admin reads it, in real Chromium: the completion figure, a card per kind of finding, every
/// reason, what to do next, no internal names, usable at 800 px and on paper. The reports are written from plain values
/// (source, target and ledger put through the comparer), so each case is exactly the one asked about.
/// </summary>
public sealed class ReportPageTests : IDisposable
{
    private static readonly string[] FindingColumns =
        ["種類 / kind", "理由 / reason", "説明 / detail", "移行元 / source", "移行先 / target", "コンテナ / container", "識別子 / identity"];

    private readonly TempFolder folder = new("dxmig-report-page");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Page_QuarantinedRows_CompletionIsLoadedOverShould_EveryReasonListed_AndTheFindingsColumnsAreRight()
    {
        string[] codes = ["bad-email", "missing-key", "duplicate-key", "bad-date", "too-long"];
        var source = Enumerable.Range(0, 7).Select(i => Source("staff", $"e{i}", i)).ToList();
        var ledger = new List<LedgerItem> { Ledger("staff", 0, ItemState.Loaded), Ledger("staff", 1, ItemState.Loaded) };
        ledger.AddRange(codes.Select((code, i) => Ledger("staff", i + 2, ItemState.Quarantined, code, $"{code} の行を直してください / fix the {code} row")));
        var staff = ReconComparer.Compare("staff", source, [Target("staff", "e0"), Target("staff", "e1")], ledger);
        var (html, summary) = await WriteAsync([staff]);

        var totals = summary["totals"]!;
        var expected = Math.Round(100.0 * totals["ledgerLoaded"]!.GetValue<long>() / totals["shouldArrive"]!.GetValue<long>(), 2);
        expected.Should().Be(28.57, "2 loaded of 7 that should arrive");
        await using var page = await ReportPage.OpenAsync(html);
        var shown = await page.NumberAsync("Number(document.getElementById('total-completion').dataset.value)");
        shown.Should().BeLessThan(100, "quarantined rows did not arrive").And.Be(expected);
        (await page.TextAsync("document.getElementById('total-completion').innerText")).Should().Contain("28.57%");
        (await page.NumberAsync("Number(document.getElementById('total-quarantined').dataset.count)")).Should().Be(5);

        // Every reason with its count on the page, though the account's line names three and counts the rest.
        var reasons = await page.TextAsync("document.getElementById('reasons').innerText");
        foreach (var code in codes)
        {
            reasons.Should().Contain(code);
        }

        (await page.NumberAsync("document.querySelectorAll('#reasons tbody tr').length")).Should().Be(5);
        (await page.TextAsync("document.querySelector('#accounts tbody tr').innerText")).Should().Contain("… 他 2 件の理由 / … and 2 more reasons");

        // What to do next: fix these rows in the export and run again, naming exceptions.csv and the command.
        var next = await page.TextAsync("document.getElementById('next').innerText");
        (await page.TextAsync("document.getElementById('next').dataset.steps")).Should().Be("exceptions");
        next.Should().Contain("exceptions.csv").And.Contain("dxmig run jobs/staff.yaml").And.Contain("fix the 5 rows");
        await AssertNoInternalNamesAsync(page);

        await using var detail = await ReportPage.OpenAsync(html, fragment: "#account=staff");
        var header = (await detail.EvaluateAsync("Array.prototype.map.call(document.querySelectorAll('#detail-issues th'), function (th) { return th.textContent; })"))!
            .AsArray().Select(n => n!.GetValue<string>()).ToList();
        header.Should().Equal(FindingColumns);
        var row = (await detail.EvaluateAsync("Array.prototype.map.call(document.querySelector('#detail-issues tbody tr').children, function (td) { return td.textContent; })"))!
            .AsArray().Select(n => n!.GetValue<string>()).ToList();
        row[0].Should().Be("隔離 / quarantined");
        codes.Should().Contain(row[1], "the reason code sits under 理由 / reason");
        row[2].Should().Be($"{row[1]} の行を直してください / fix the {row[1]} row", "the sentence sits under 説明 / detail");
        row[3].Should().StartWith("staff UID ", "the source key has its own column");
        (await detail.NumberAsync("document.querySelectorAll('#detail-reasons li').length")).Should().Be(5, "the account's every reason");
    }

    [Fact]
    public async Task Page_KeptByPolicy_PendingDeletions_AndAnAccountThatCouldNotBeReconciled_AreEachExplained()
    {
        var tanaka = ReconComparer.Compare(
            "tanaka",
            [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)],
            [Target("INBOX", "m1"), Target("INBOX", "m2"), Target("INBOX", "gone1") with { TargetKey = "graph:G1" }, Target("INBOX", "gone2") with { TargetKey = "graph:G2" }],
            [Ledger("INBOX", 1, ItemState.Loaded), Ledger("INBOX", 2, ItemState.Loaded), Ledger("INBOX", 8, ItemState.Loaded, targetKey: "graph:G1"),
             Ledger("INBOX", 9, ItemState.Loaded, targetKey: "graph:G2")]);
        var broken = AccountReconciliation.Failed("broken",
            "照合できません / cannot reconcile: " + FailureWords.Explain(new ImapProtocolException("Literal token length 104857600 exceeds the maximum allowed.")));
        var (html, summary) = await WriteAsync([tanaka, broken], header => header with
        {
            RunId = "20261207T010000Z-ab12",
            JobFile = "jobs/mail-wave1.yaml",
            LogFile = "/var/log/dxmig/mail-wave1/20261207T010000Z-ab12.jsonl",
            PendingDeletionsFile = "/var/log/dxmig/mail-wave1/pending-deletions-20261207T010000Z-ab12.csv",
        });

        summary["accounts"]![0]!["completionPercent"].Should().BeNull("broken could not be reconciled");
        await using var page = await ReportPage.OpenAsync(html);
        (await page.NumberAsync("Number(document.getElementById('total-keptByPolicy').dataset.count)")).Should().Be(2);
        (await page.NumberAsync("document.getElementById('total-keptByPolicy').getBoundingClientRect().height")).Should().BeGreaterThan(0);
        (await page.TextAsync("document.getElementById('total-keptByPolicy').innerText")).Should().Contain("移行先にだけ残る項目 (方針により保持) / kept on the target by policy")
            .And.Contain("why the target holds more than the source");
        (await page.TextAsync("document.getElementById('count-gap').innerText")).Should().Contain("+2").And.Contain("+2 方針により保持 / kept by policy");

        var next = await page.TextAsync("document.getElementById('next').innerText");
        (await page.TextAsync("document.getElementById('next').dataset.steps")).Should().Be("not-reconciled pending-deletions");
        next.Should().Contain("dxmig run jobs/mail-wave1.yaml --confirm-deletes 20261207T010000Z-ab12")
            .And.Contain("20261207T010000Z-ab12.jsonl").And.Contain("broken").And.Contain("dxmig reconcile jobs/mail-wave1.yaml --accounts broken");

        // No 100% for an account nothing is known of: "照合できず" in the chart and in its row.
        var chart = await page.TextAsync("document.getElementById('chart-completion').textContent");
        chart.Should().Contain("照合できず / could not be reconciled");
        var brokenRow = await page.TextAsync("Array.prototype.filter.call(document.querySelectorAll('#accounts tbody tr'), function (tr) { return tr.children[0].textContent === 'broken'; })[0].innerText");
        brokenRow.Should().Contain("— 照合できず / not reconciled").And.NotContain("100%")
            .And.Contain("照合できません / cannot reconcile: サーバーの応答が大きすぎるか形が崩れていて読めません", "plain words first")
            .And.Contain("詳細 / detail: ImapProtocolException: Literal token length", "the library's text after, as detail");
        (await page.TextAsync("document.getElementById('chart-bytes').textContent")).Should().Contain("なし", "an empty chart says nothing moved, not a blank");
        await AssertNoInternalNamesAsync(page);
    }

    [Fact]
    public async Task Page_EverythingArrived_SaysThereIsNothingToDo()
    {
        var clean = ReconComparer.Compare("sato", [Source("INBOX", "m1", 1)], [Target("INBOX", "m1")], [Ledger("INBOX", 1, ItemState.Loaded)]);
        var (html, _) = await WriteAsync([clean]);

        await using var page = await ReportPage.OpenAsync(html);
        (await page.TextAsync("document.getElementById('next').dataset.steps")).Should().Be("nothing");
        (await page.TextAsync("document.getElementById('next').innerText")).Should().Contain("何もする必要はありません").And.Contain("nothing to do");
        (await page.NumberAsync("Number(document.getElementById('total-completion').dataset.value)")).Should().Be(100);
    }

    [Fact]
    public async Task Page_At800Pixels_NothingIsWiderThanTheWindow_AndOnPaperEveryAccountIsPrinted()
    {
        var accounts = Enumerable.Range(0, 120).Select(i =>
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"shokuin-{i:000}-kikaku-seisaku-bu-joho-seisaku-ka@pref.example.jp");
            return ReconComparer.Compare(name, [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)], [Target("INBOX", "m1")],
                [Ledger("INBOX", 1, ItemState.Loaded), Ledger("INBOX", 2, ItemState.Quarantined, "too-large-for-target", "大きすぎるため移せません / too large for the target")]);
        }).ToList();
        var (html, _) = await WriteAsync(accounts, header => header with { Source = "IMAP mail.pref.example.jp:993 (TLS)", Timeline = [(DateTime.UtcNow, 1, 0)] });

        await using (var screen = await ReportPage.OpenAsync(html, width: 800))
        {
            (await screen.NumberAsync("window.innerWidth")).Should().Be(800);
            (await screen.NumberAsync("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(800, "the page never scrolls sideways; the table scrolls in its own box");
            (await screen.NumberAsync("document.querySelectorAll('#accounts tbody tr').length")).Should().Be(50, "the screen shows a page of 50");
            (await screen.TextAsync("document.getElementById('chart-bytes').textContent")).Should().Contain("なし / nothing moved", "0 bytes moved draws no empty frame");
        }

        await using var paper = await ReportPage.OpenAsync(html, width: 700, print: true);
        (await paper.EvaluateAsync("matchMedia('print').matches"))!.GetValue<bool>().Should().BeTrue();
        (await paper.NumberAsync("document.querySelectorAll('#accounts tbody tr').length")).Should().Be(120, "on paper every account is printed, not one screen page");
        (await paper.NumberAsync("document.querySelector('#accounts table').getBoundingClientRect().height")).Should().BeGreaterThan(0);
        (await paper.EvaluateAsync("Array.prototype.every.call(document.querySelectorAll('.scroll'), function (e) { return getComputedStyle(e).overflowX === 'visible'; })"))!
            .GetValue<bool>().Should().BeTrue("no scroll box cuts a table on paper");
        (await paper.NumberAsync("document.querySelectorAll('.cards .card').length")).Should().BeGreaterThan(10);
        (await paper.NumberAsync("document.getElementById('total-quarantined').getBoundingClientRect().height")).Should().BeGreaterThan(0);
        (await paper.TextAsync("getComputedStyle(document.querySelector('#accounts .bar')).display")).Should().Be("none", "the search box is not printed");
    }

    /// <summary>No internal enum name (such as [CompletedWithQuarantine], (StartTls), (Sqlite)) in what a person reads.</summary>
    internal static async Task AssertNoInternalNamesAsync(ReportPage page)
    {
        var text = await page.TextAsync("document.body.innerText");
        ReportPage.EnumNames(text).Should().BeEmpty(text);
        text.Should().NotContain("(None)").And.NotContain("(Tls)").And.NotContain("(Sqlite)");
    }

    private async Task<(string Html, JsonObject Summary)> WriteAsync(IReadOnlyList<AccountReconciliation> accounts, Func<ReportHeader, ReportHeader>? edit = null)
    {
        var output = Path.Combine(folder.Path, "report-" + Guid.NewGuid().ToString("N")[..8]);
        var header = new ReportHeader
        {
            Job = "staff",
            Kind = "cess-staff",
            RunId = "20261207T000000Z-0001",
            Started = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero),
            Ended = new DateTimeOffset(2026, 12, 7, 0, 0, 3, TimeSpan.Zero),
            Source = "CESS 職員録 CSV / staff export staff.csv",
            Target = "platform store staff (SQLite)",
            Compared = ["fields"],
            JobFile = "jobs/staff.yaml",
            LogFile = "logs/staff/20261207T000000Z-0001.jsonl",
        };
        header = edit is null ? header : edit(header);
        using var sink = new ReportSink(output);
        foreach (var account in accounts)
        {
            sink.Add(account);
        }

        var summary = await ReportWriter.WriteAsync(sink, header, CancellationToken.None);
        return (Path.Combine(output, ReportWriter.HtmlFile), summary);
    }

    private static ReconItem Source(string container, string identity, int uid) => new(container, identity)
    {
        Location = $"{container} UID {uid}",
        Ref = new ItemRef(container, uid.ToString(CultureInfo.InvariantCulture)),
        Size = 100,
    };

    private static ReconItem Target(string container, string identity) => new(container, identity) { Location = $"graph:{identity}", Size = 100 };

    private static LedgerItem Ledger(string container, int uid, ItemState state, string? code = null, string? message = null, string? targetKey = null) => new()
    {
        Job = "job",
        System = "imap",
        Account = "a",
        Container = container,
        NativeId = uid.ToString(CultureInfo.InvariantCulture),
        Version = "1",
        ContentHash = "h",
        Size = 100,
        State = state,
        Code = code,
        Message = message,
        TargetKey = targetKey,
        FirstRunId = "r1",
        LastRunId = "r1",
    };
}

using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Reconciliation;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests.Reconciliation;

/// <summary>The finding lists as Excel opens them: the reason code under "reason", the sentence under "detail", each side's key in its own column.</summary>
public sealed class ReportSinkTests : IDisposable
{
    private readonly TempFolder folder = new("dxmig-report");

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Add_AQuarantinedRow_GoesToExceptionsCsv_WithItsCodeUnderReason_AndItsSentenceUnderDetail()
    {
        var source = new ReconItem("staff", "e3") { Location = "staff.csv:4", Ref = new ItemRef("staff", "3") };
        var ledger = new LedgerItem
        {
            Job = "staff", System = "csv", Account = "staff", Container = "staff", NativeId = "3", Version = "1", ContentHash = "h",
            State = ItemState.Quarantined, Code = "bad-email", Message = "メールアドレスが不正 / not a mail address", FirstRunId = "r1", LastRunId = "r1",
        };
        var account = ReconComparer.Compare("staff", [source], [], [ledger]);

        using (var sink = new ReportSink(folder.Path))
        {
            sink.Add(account);
        }

        var lines = File.ReadAllLines(Path.Combine(folder.Path, "exceptions.csv"));
        lines[0].TrimStart('\uFEFF').Should().Be("account,container,kind,reason,detail,source_key,target_key,identity,field,source_value,target_value");
        lines[1].Should().Be("staff,staff,quarantined,bad-email,メールアドレスが不正 / not a mail address,staff.csv:4,,e3,,,");
    }

    [Fact]
    public void Add_AKeptAndADifferingItem_PutTheSourceKeyAndTheTargetKeyInTheirOwnColumns()
    {
        var kept = ReconComparer.Compare("tanaka", [], [new ReconItem("INBOX", "gone") { Location = "graph:KEPT", TargetKey = "graph:KEPT" }],
        [
            new LedgerItem
            {
                Job = "mail", System = "imap", Account = "tanaka", Container = "INBOX", NativeId = "9", Version = "1", ContentHash = "h",
                State = ItemState.Loaded, TargetKey = "graph:KEPT", FirstRunId = "r1", LastRunId = "r1",
            },
        ]);
        var differing = ReconComparer.Compare("sato", [new ReconItem("INBOX", "m1") { Location = "INBOX UID 1", Flags = "\\Seen" }],
            [new ReconItem("INBOX", "m1") { Location = "graph:M1", Flags = "" }], []);

        using (var sink = new ReportSink(folder.Path))
        {
            sink.Add(kept);
            sink.Add(differing);
        }

        File.ReadAllLines(Path.Combine(folder.Path, "kept-by-policy.csv"))[1].Should().StartWith("tanaka,INBOX,kept-after-source-deletion,kept-after-source-deletion,")
            .And.EndWith(",INBOX/9,graph:KEPT,gone,,,");
        File.ReadAllLines(Path.Combine(folder.Path, "differences.csv"))[1].Should().Be(
            "sato,INBOX,flags,flags,flags: \\Seen → ,INBOX UID 1,graph:M1,m1,flags,\\Seen,");
    }
}

using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Reconciliation;

namespace Dxmig.Platform.Tests.Reconciliation;

/// <summary>Source, target and ledger as plain values: what the comparer calls missing, extra, doubled, different, kept or documented.</summary>
public sealed class ReconComparerTests
{
    private const string Account = "tanaka";
    private static readonly DateTimeOffset Received = new(2024, 4, 1, 9, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public void Compare_EverySourceItemOnceOnTheTarget_IsComplete()
    {
        var result = Compare([Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)], [Target("INBOX", "m1"), Target("INBOX", "m2")], []);

        result.Verdict.Should().Be(Verdict.Complete);
        result.Reason.Should().Be("すべて一致 2 件 / all 2 items match");
        result.Issues.Should().BeEmpty();
        result.Totals.Matched.Should().Be(2);
    }

    [Fact]
    public void Compare_ASourceItemNotOnTheTarget_NorInTheLedger_IsMissing()
    {
        var result = Compare([Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)], [Target("INBOX", "m1")], []);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Reason.Should().Be("欠落 1 / missing 1");
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Kind = IssueKind.Missing,
            Identity = "m2",
            Container = "INBOX",
            TargetValue = "台帳に記録なし (まだ移行されていない) / not in the ledger (not migrated yet)",
        });
        result.Totals.Missing.Should().Be(1);
    }

    [Fact]
    public void Compare_TheLedgerSaysLoaded_ButTheTargetLacksIt_IsMissing_WithTheLedgersWord()
    {
        var result = Compare([Source("INBOX", "m1", 1)], [], [Ledger("INBOX", 1, ItemState.Loaded, targetKey: "graph:AAA")]);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Issues.Should().ContainSingle().Which.TargetValue.Should()
            .Be("台帳では投入済み (graph:AAA) だが移行先にない / the ledger says loaded (graph:AAA) but the target does not hold it", "the ledger's state in words, not its internal name");
    }

    [Fact]
    public void Compare_AnItemOfOursWithNoSource_AndNoLedgerEntry_IsExtra()
    {
        var result = Compare([Source("INBOX", "m1", 1)], [Target("INBOX", "m1"), Target("INBOX", "stray") with { TargetKey = "graph:ZZZ" }], []);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Reason.Should().Be("余分 1 / extra 1");
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = IssueKind.Extra, Identity = "stray" });
    }

    [Fact]
    public void Compare_TwoCopiesOfOneSourceItem_IsDoubled_OneCopyMatched()
    {
        var result = Compare([Source("INBOX", "m1", 1)], [Target("INBOX", "m1"), Target("INBOX", "m1")], []);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Reason.Should().Be("重複 1 / doubled 1");
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = IssueKind.Doubled, Identity = "m1", SourceValue = "1" });
        result.Totals.Matched.Should().Be(1);
    }

    [Fact]
    public void Compare_ACopyThatDiffers_IsReportedPerAspect_AndTheDateWithinASecondIsEqual()
    {
        var source = Source("INBOX", "m1", 1) with { Flags = "\\Seen", Date = Received, Hash = "aa" };
        var target = Target("Archive", "m1") with { Flags = "\\Flagged \\Seen", Date = Received.AddMilliseconds(900), Hash = "AA" };

        var result = Compare([source], [target], []);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Issues.Select(i => (i.Kind, i.Field, i.SourceValue, i.TargetValue)).Should().Equal(
            (IssueKind.Folder, "folder", "INBOX", "Archive"),
            (IssueKind.Flags, "flags", "\\Seen", "\\Flagged \\Seen"));
        result.Reason.Should().Be("フラグの相違 1・フォルダの相違 1 / flags differences 1, folder differences 1");
        result.Totals.Differences.Should().Be(1);
    }

    [Fact]
    public void Compare_RecordFields_DifferFieldByField()
    {
        var source = Source("staff", "H1", 1) with { Fields = new Dictionary<string, string> { ["name"] = "田中 太郎", ["dept"] = "総務課" } };
        var target = Target("staff", "H1") with { Fields = new Dictionary<string, string> { ["name"] = "田中 太郎" } };

        var result = Compare([source], [target], []);

        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = IssueKind.Field, Field = "dept", SourceValue = "総務課", TargetValue = "" });
    }

    [Fact]
    public void Compare_TheLedgerLoadedIt_AndTheSourceDeletedIt_IsKeptByPolicy_NotExtra()
    {
        var kept = Target("INBOX", "gone") with { TargetKey = "graph:KEPT" };

        var result = Compare([], [kept], [Ledger("INBOX", 9, ItemState.Loaded, targetKey: "graph:KEPT")]);

        result.Verdict.Should().Be(Verdict.Complete, "the deletion policy keep asked for it");
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = IssueKind.KeptAfterSourceDeletion, SourceValue = "INBOX/9", Location = "graph:gone" });
        result.Totals.KeptByPolicy.Should().Be(1);
        result.Totals.Extra.Should().Be(0);
    }

    [Fact]
    public void Compare_ASourceItemItsOwnerDeletedOnTheTarget_IsListedAsDeletedOnTarget_NotAnException_NotMissing()
    {
        var result = Compare(
            [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2), Source("INBOX", "m3", 3)],
            [Target("INBOX", "m1")],
            [Ledger("INBOX", 1, ItemState.Loaded), Ledger("INBOX", 2, ItemState.Skipped, code: ItemProblem.TargetDeleted, message: "deleted on the target"),
             Ledger("INBOX", 3, ItemState.Skipped, code: "max-size", message: "too big")]);

        result.Verdict.Should().Be(Verdict.CompleteWithExceptions, "the max-size skip is an exception; the owner's deletion is not");
        result.Issues.Select(i => (i.Kind, i.ListName)).Should().BeEquivalentTo([(IssueKind.DeletedOnTarget, "deleted-on-target"), (IssueKind.Skipped, "exceptions")]);
        (result.Totals.DeletedOnTarget, result.Totals.Exceptions, result.Totals.Missing, result.Totals.CompletionPercent).Should().Be((1L, 1L, 0L, 100.0));

        var alone = Compare([Source("INBOX", "m2", 2)], [], [Ledger("INBOX", 2, ItemState.Skipped, code: ItemProblem.TargetDeleted)]);
        alone.Verdict.Should().Be(Verdict.Complete, "a person deleting mail on the new mailbox needs nobody's attention");
    }

    [Fact]
    public void Compare_AnItemTheLedgerRemoved_GoneFromBothSides_IsCountedAsRemoved_NotMissing()
    {
        var result = Compare([Source("INBOX", "m1", 1)], [Target("INBOX", "m1")], [Ledger("INBOX", 1, ItemState.Loaded), Ledger("INBOX", 2, ItemState.Removed, targetKey: "graph:GONE")]);

        result.Verdict.Should().Be(Verdict.Complete);
        result.Issues.Should().BeEmpty();
        result.Totals.LedgerRemoved.Should().Be(1);
        result.Totals.Missing.Should().Be(0);
    }

    [Fact]
    public void Compare_AnItemTheLedgerRemoved_StillOnTheTarget_IsExtra()
    {
        var result = Compare([], [Target("INBOX", "gone") with { TargetKey = "graph:GONE" }], [Ledger("INBOX", 2, ItemState.Removed, targetKey: "graph:GONE")]);

        result.Verdict.Should().Be(Verdict.Incomplete, "the removal did not happen on the target");
        result.Totals.Extra.Should().Be(1);
        result.Totals.LedgerRemoved.Should().Be(1);
    }

    [Fact]
    public void Compare_AnItemNotWrittenByDxmig_IsListedAsNotOurs_WithoutMakingTheAccountIncomplete()
    {
        var result = Compare([], [Target("INBOX", "after-cutover") with { Ours = false }], []);

        result.Verdict.Should().Be(Verdict.Complete);
        result.Issues.Should().ContainSingle().Which.Kind.Should().Be(IssueKind.NotOurs);
    }

    [Fact]
    public void Compare_AMissingItemTheLedgerQuarantined_IsADocumentedException_WithItsCodeAndSentence()
    {
        var ledger = new[]
        {
            Ledger("INBOX", 2, ItemState.Quarantined, code: "too-large-for-target", message: "移行先の上限を超えています / over the target's limit"),
            Ledger("INBOX", 3, ItemState.Skipped, code: "max-age", message: "古いメール / older than max-age"),
        };

        var result = Compare([Source("INBOX", "m1", 1), Source("INBOX", "m2", 2), Source("INBOX", "m3", 3)], [Target("INBOX", "m1")], ledger);

        result.Verdict.Should().Be(Verdict.CompleteWithExceptions);
        result.Reason.Should().Be("記録済みの例外 2 件 / documented exceptions 2 (quarantined:too-large-for-target 1, skipped:max-age 1)");
        result.Issues.Select(i => (i.Kind, i.Identity, i.SourceValue)).Should().BeEquivalentTo(new[]
        {
            (IssueKind.Quarantined, "m2", "too-large-for-target"),
            (IssueKind.Skipped, "m3", "max-age"),
        });
        result.QuarantineCodes.Should().Equal(new Dictionary<string, long> { ["too-large-for-target"] = 1 });
        result.Totals.LedgerQuarantined.Should().Be(1);
        result.Totals.LedgerSkipped.Should().Be(1);
    }

    [Fact]
    public void Compare_ATargetThatDiffersFromASourceItemTheRunQuarantined_IsThatException_NotADifference()
    {
        var source = Source("users", "H1", 1) with { Fields = new Dictionary<string, string> { ["department"] = "存在しない課" } };
        var target = Target("users", "H1") with { Fields = new Dictionary<string, string> { ["department"] = "総務課" } };

        var result = Compare([source], [target], [Ledger("users", 1, ItemState.Quarantined, code: "unknown-department", message: "課がない")]);

        result.Verdict.Should().Be(Verdict.CompleteWithExceptions);
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = IssueKind.Quarantined, SourceValue = "unknown-department", TargetValue = "課がない" });
    }

    [Fact]
    public void Compare_MissingOutweighsDocumentedExceptions_InTheVerdict()
    {
        var result = Compare(
            [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)], [],
            [Ledger("INBOX", 1, ItemState.Quarantined, code: "bad-bytes", message: "壊れたメール")]);

        result.Verdict.Should().Be(Verdict.Incomplete);
        result.Reason.Should().Be("欠落 1 / missing 1");
        result.Issues.Select(i => i.Kind).Should().BeEquivalentTo([IssueKind.Quarantined, IssueKind.Missing]);
    }

    [Fact]
    public void Compare_ASourceItemThatCouldNotBeRead_IsItsOwnException_AndTheRestReconciles()
    {
        const string Why = "サーバーの応答を読めないため、このメッセージは照合できません / this message cannot be reconciled";
        var result = Compare(
            [Source("INBOX", "m1", 1), Source("INBOX", "unreadable:INBOX:2", 2) with { Unreadable = Why }, Source("INBOX", "m3", 3)],
            [Target("INBOX", "m1"), Target("INBOX", "m3")],
            []);

        result.Verdict.Should().Be(Verdict.CompleteWithExceptions);
        result.Reason.Should().StartWith("記録済みの例外 1 件 / documented exceptions 1 (unreadable");
        result.Issues.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            Kind = IssueKind.Unreadable, Location = "INBOX UID 2", SourceValue = Why, ListName = "exceptions", KindName = "unreadable",
        });
        result.Totals.Matched.Should().Be(2);
        result.Totals.Exceptions.Should().Be(1);
        result.Totals.Unreadable.Should().Be(1);
        result.Totals.CompletionPercent.Should().Be(66.67, "an item that could not be read is not known to have arrived: 2 of 3");
    }

    [Fact]
    public void Compare_ATargetItemThatCouldNotBeRead_AccountsForOneSourceItemNotFoundInItsContainer_NotMoreNotElsewhere()
    {
        const string Why = "読めない / cannot be read";
        var result = Compare(
            [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2), Source("INBOX", "m3", 3), Source("Sent", "s1", 4)],
            [Target("INBOX", "m1"), Target("INBOX", "unreadable:INBOX:9") with { Location = "INBOX UID 9", Unreadable = Why }],
            []);

        result.Verdict.Should().Be(Verdict.Incomplete, "one unreadable target message can be at most one of the two missing INBOX messages, and none of Sent's");
        result.Totals.Missing.Should().Be(2);
        result.Issues.Where(i => i.Kind == IssueKind.Unreadable).Should().HaveCount(2)
            .And.Contain(i => i.Location == "INBOX UID 9" && i.TargetValue == Why)
            .And.Contain(i => i.Location.EndsWith("→ INBOX UID 9", StringComparison.Ordinal) && i.TargetValue!.Contains("INBOX UID 9", StringComparison.Ordinal));
        result.Issues.Where(i => i.Kind == IssueKind.Missing).Select(i => i.Container).Should().BeEquivalentTo(["INBOX", "Sent"]);
    }

    [Fact]
    public void CompletionPercent_TwoLoadedFourQuarantined_IsTwoOfSix_NotAHundred()
    {
        // The staff export of the issue: 6 rows, 2 loaded, 4 quarantined.
        var source = Enumerable.Range(1, 6).Select(i => Source("staff", $"e{i}", i)).ToList();
        var ledger = new List<LedgerItem> { Ledger("staff", 1, ItemState.Loaded), Ledger("staff", 2, ItemState.Loaded) };
        ledger.AddRange(Enumerable.Range(3, 4).Select(i => Ledger("staff", i, ItemState.Quarantined, code: i % 2 == 0 ? "bad-email" : "missing-key", message: "行に問題 / bad row")));

        var result = Compare(source, [Target("staff", "e1"), Target("staff", "e2")], ledger);

        result.Verdict.Should().Be(Verdict.CompleteWithExceptions);
        (result.Totals.Arrived, result.Totals.ShouldArrive, result.Totals.Quarantined).Should().Be((2L, 6L, 4L));
        result.Totals.CompletionPercent.Should().Be(33.33, "what arrived and matches (2) over what should arrive (6)");
        result.CompletionPercent.Should().Be(33.33);
    }

    [Fact]
    public void CompletionPercent_ADoubledItem_IsNotComplete()
    {
        var result = Compare([Source("INBOX", "m1", 1), Source("INBOX", "m2", 2)], [Target("INBOX", "m1"), Target("INBOX", "m2"), Target("INBOX", "m2")], []);

        result.Verdict.Should().Be(Verdict.Incomplete);
        (result.Totals.Matched, result.Totals.Doubled, result.Totals.Arrived).Should().Be((2L, 1L, 1L));
        result.Totals.CompletionPercent.Should().Be(50, "the doubled item did not arrive once, as it should");
    }

    [Fact]
    public void CompletionPercent_MissingAndDifferingItems_AreNotComplete_SkippedAndOwnerDeletedAreNotExpected()
    {
        var result = Compare(
            [Source("INBOX", "m1", 1), Source("INBOX", "m2", 2) with { Flags = "\\Seen" }, Source("INBOX", "m3", 3), Source("INBOX", "m4", 4), Source("INBOX", "m5", 5)],
            [Target("INBOX", "m1"), Target("INBOX", "m2") with { Flags = "" }],
            [Ledger("INBOX", 4, ItemState.Skipped, code: "max-size", message: "大きすぎる / too big"), Ledger("INBOX", 5, ItemState.Skipped, code: ItemProblem.TargetDeleted)]);

        (result.Totals.Arrived, result.Totals.ShouldArrive, result.Totals.Skipped, result.Totals.DeletedOnTarget).Should().Be((1L, 3L, 1L, 1L));
        result.Totals.CompletionPercent.Should().Be(33.33, "m1 arrived; m2 differs and m3 is missing; m4 skipped by a rule and m5 deleted by its owner are not expected");
    }

    [Fact]
    public void CompletionPercent_AnAccountThatCouldNotBeReconciled_HasNone()
    {
        var failed = AccountReconciliation.Failed(Account, "照合できません / cannot reconcile");

        failed.Reconciled.Should().BeFalse();
        failed.CompletionPercent.Should().BeNull("nothing is known of it: no 100% bar");
    }

    [Fact]
    public void Judge_MoreReasonsThanTheLineHolds_SaysHowManyMore_AndTheAccountKeepsThemAll()
    {
        string[] codes = ["bad-email", "missing-key", "duplicate-key", "too-large", "bad-date"];
        var source = codes.Select((_, i) => Source("INBOX", $"m{i}", i)).ToList();
        var ledger = codes.Select((code, i) => Ledger("INBOX", i, ItemState.Quarantined, code: code, message: code + " の説明 / explained")).ToList();

        var result = Compare(source, [], ledger);

        result.Reason.Should().EndWith("… 他 2 件の理由 / … and 2 more reasons)");
        result.Reasons.Select(r => r.Code).Should().BeEquivalentTo(codes, "every reason is kept with its count");
        result.Reasons.Should().OnlyContain(r => r.Count == 1 && r.Kind == IssueKind.Quarantined);
    }

    private static AccountReconciliation Compare(IReadOnlyList<ReconItem> source, IReadOnlyList<ReconItem> target, IReadOnlyList<LedgerItem> ledger) =>
        ReconComparer.Compare(Account, source, target, ledger);

    private static ReconItem Source(string container, string identity, int uid) => new(container, identity)
    {
        Location = $"{container} UID {uid}",
        Ref = new ItemRef(container, uid.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Size = 100,
    };

    private static ReconItem Target(string container, string identity) => new(container, identity) { Location = $"graph:{identity}" };

    private static LedgerItem Ledger(string container, int uid, ItemState state, string? code = null, string? message = null, string? targetKey = null) => new()
    {
        Job = "mail",
        System = "imap",
        Account = Account,
        Container = container,
        NativeId = uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
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

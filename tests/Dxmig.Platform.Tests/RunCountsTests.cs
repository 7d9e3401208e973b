using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.Tests;

public sealed class RunCountsTests
{
    [Fact]
    public void Balances_OnlyWhenEverySeenItemIsCountedOnce()
    {
        var run = new LedgerRun { RunId = "r", Job = "j", Node = "n", Seen = 10, Loaded = 4, Removed = 1, Skipped = 2, Quarantined = 1, AlreadyDone = 2 };
        run.Balances().Should().BeTrue();

        run.AlreadyDone = 3;
        run.Balances().Should().BeFalse();
    }

    [Fact]
    public void Accounting_ReadsTheSameInEachWording()
    {
        IRunCounts account = new LedgerRunAccount { RunId = "r", Account = "a", Seen = 7, Loaded = 5, Removed = 0, Skipped = 1, Quarantined = 1, AlreadyDone = 0 };

        account.Accounting().Should().Be("読込 seen 7 = 投入 loaded 5 + 削除 removed 0 + スキップ skipped 1 + 隔離 quarantined 1 + 処理済み already done 0");
        account.Accounting(words: AccountingWords.Japanese).Should().Be("読込 7 = 投入 5 + 削除 0 + スキップ 1 + 隔離 1 + 処理済み 0");
        account.Accounting("≠", AccountingWords.English).Should().Be("seen 7 ≠ loaded 5 + removed 0 + skipped 1 + quarantined 1 + already done 0");
    }
}

using Dxmig.Cli.Console;
using Dxmig.Cli.Serve;
using Dxmig.Platform.Ledger;

namespace Dxmig.Cli.Tests.Serve;

/// <summary>What <c>dxmig status</c> prints for a cluster run (the view itself is read from PostgreSQL in ClusterLedgerTests).</summary>
public sealed class ClusterStatusTests
{
    [Fact]
    public void Print_ShowsEveryNodeWithWhatItHolds_SilentNodes_TheWaitingAccounts_AndRefusedWrites()
    {
        var run = new LedgerRun { RunId = "20261206T120000Z-abcd1234", Job = "mail", Node = "node-1", Outcome = RunOutcome.Running };
        var view = new ClusterRunView(
            run,
            [
                new ClusterNodeView("node-1", 101, 4, DateTime.UtcNow, null, true, TimeSpan.FromSeconds(3)),
                new ClusterNodeView("node-2", 202, 4, DateTime.UtcNow, null, false, TimeSpan.FromSeconds(41)),
                new ClusterNodeView("node-3", 303, 4, DateTime.UtcNow, DateTime.UtcNow, false, TimeSpan.FromSeconds(80)),
            ],
            [
                new ClusterWorkView("tanaka", "Claimed", "node-1", 2, 1200, 1100, 52_428_800, null, TimeSpan.FromSeconds(3), "node-2"),
                new ClusterWorkView("suzuki", "Claimed", "node-2", 1, 10, 9, 1024, null, TimeSpan.FromSeconds(41), null),
                new ClusterWorkView("sato", "Waiting", null, 0, 0, 0, 0, null, null, null),
                new ClusterWorkView("ito", "Done", "node-3", 1, 30, 30, 2048, "Succeeded", TimeSpan.FromSeconds(80), null),
            ],
            FencedWrites: 2);
        using var output = new StringWriter();

        ClusterStatus.Print(new CliIo(output, new StringWriter(), interactive: false, _ => null, TimeProvider.System), view);

        var text = output.ToString();
        text.Should().Contain("4 accounts (1 done, 1 waiting, 2 in hand)");
        text.Should().Contain("node node-1 (pid 101, 並列 / parallelism 4): 稼働 / alive");
        text.Should().Contain("node node-2 (pid 202, 並列 / parallelism 4): 応答なし / silent, 最終確認 / heartbeat 41 秒前");
        text.Should().Contain("node node-3 (pid 303, 並列 / parallelism 4): 離脱 / left");
        text.Should().Contain("tanaka: 読込 / seen 1,200, 投入 / loaded 1,100").And.Contain("epoch 2").And.Contain("taken over from node-2");
        text.Should().Contain("待ち / waiting: sato");
        text.Should().Contain("2 write(s) refused from nodes that had lost their account");
        text.IndexOf("suzuki", StringComparison.Ordinal).Should().BeGreaterThan(text.IndexOf("node node-2", StringComparison.Ordinal), "an account is listed under the node that holds it");
    }
}

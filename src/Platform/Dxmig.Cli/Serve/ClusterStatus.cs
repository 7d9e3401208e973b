using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Platform.Ledger;

namespace Dxmig.Cli.Serve;

/// <summary>
/// <c>dxmig status</c> for a cluster run: each node with the accounts it holds (progress, last heartbeat), the accounts
/// waiting and done, and writes refused to nodes that lost an account.
/// </summary>
internal static class ClusterStatus
{
    public static void Print(CliIo io, ClusterRunView view)
    {
        var waiting = view.Work.Count(w => w.State == "Waiting");
        var done = view.Work.Count(w => w.State == "Done");
        io.Line(
            $"  クラスター実行 / cluster run {view.Run.RunId}: アカウント {view.Work.Count} 件 (完了 {done}, 待ち {waiting}, 処理中 {view.Work.Count - done - waiting}) / " +
            $"{view.Work.Count} accounts ({done} done, {waiting} waiting, {view.Work.Count - done - waiting} in hand)");
        foreach (var node in view.Nodes)
        {
            var held = view.Work.Where(w => w.State == "Claimed" && w.Node == node.Node).ToList();
            var state = node.LeftUtc is not null ? "離脱 / left" : node.Alive ? "稼働 / alive" : "応答なし / silent";
            io.Line(
                $"    ノード / node {node.Node} (pid {node.ProcessId}, 並列 / parallelism {node.Parallelism}): {state}, " +
                $"最終確認 / heartbeat {node.SinceHeartbeat.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} 秒前 / s ago, 担当 / holds {held.Count}");
            foreach (var work in held)
            {
                var since = work.SinceHeartbeat is { } s ? s.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) : "-";
                var from = work.PreviousNode is { } previous ? $", {previous} から引継ぎ / taken over from {previous}" : string.Empty;
                io.Line(
                    $"      {work.Account}: 読込 / seen {Units.Count(work.Seen)}, 投入 / loaded {Units.Count(work.Loaded)}, {Units.Bytes(work.Bytes)}, エポック / epoch {work.Epoch}, 確認 / heartbeat {since} 秒前 / s ago{from}");
            }
        }

        if (waiting > 0)
        {
            io.Line($"    待ち / waiting: {string.Join(", ", view.Work.Where(w => w.State == "Waiting").Select(w => w.Account).Take(20))}{(waiting > 20 ? " …" : string.Empty)}");
        }

        if (view.FencedWrites > 0)
        {
            io.Line(
                $"    担当を失ったノードからの書き込みを {view.FencedWrites} 回拒否しました (二重登録はありません) / " +
                $"{view.FencedWrites} write(s) refused from nodes that had lost their account (nothing doubled)");
        }
    }
}

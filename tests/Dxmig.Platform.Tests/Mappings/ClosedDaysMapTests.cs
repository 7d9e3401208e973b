using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Contracts.Mappings;
using Dxmig.Platform.Scheduling;
using Dxmig.TestSupport;

namespace Dxmig.Platform.Tests.Mappings;

public sealed class ClosedDaysMapTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Load_ClosedAndOpenDates()
    {
        var path = temp.Write("closed-days.yaml", """
            # 県の閉庁日 / the prefecture's own closed days
            closed:
              - { date: 2026-06-15, reason: 県民の日 }
              - date: 2026-08-14
                reason: 一斉休暇
            open:
              - 2026-12-29
              - { date: 2026-12-30, reason: 移行作業日 }
            """);
        var diagnostics = new DiagnosticBag();

        var map = ClosedDaysMap.Load(path, diagnostics);

        diagnostics.Items.Should().BeEmpty();
        map!.Closed.Should().BeEquivalentTo(new Dictionary<DateOnly, string>
        {
            [new DateOnly(2026, 6, 15)] = "県民の日",
            [new DateOnly(2026, 8, 14)] = "一斉休暇",
        });
        map.Open.Should().BeEquivalentTo([new DateOnly(2026, 12, 29), new DateOnly(2026, 12, 30)]);
    }

    [Fact]
    public void Load_ReportsEveryProblemWithItsLine()
    {
        var path = temp.Write("closed-days.yaml", """
            closed:
              - { date: 2026-6-15, reason: 県民の日 }
              - { date: 2026-08-14 }
              - { date: 2026-09-01, reason: 防災訓練, note: x }
            open:
              - 2026-09-01
            holidays: []
            """);
        var diagnostics = new DiagnosticBag();

        var map = ClosedDaysMap.Load(path, diagnostics);

        map.Should().BeNull();
        // The temp folder is outside the working folder: the file is named by its absolute path, never ../../.
        var name = path;
        Path.IsPathRooted(name).Should().BeTrue();
        diagnostics.Render().Split(Environment.NewLine).Should().BeEquivalentTo(
            [
                $"{name}:2:13: エラー: 日付 '2026-6-15' は YYYY-MM-DD で書いてください / error: date '2026-6-15' must be written YYYY-MM-DD",
                $"{name}:3:5: エラー: 2026-08-14: 閉庁日には理由 (reason) を書いてください / error: 2026-08-14: a closed day needs a reason",
                $"{name}:4:39: エラー: 不明なキー 'note' (date, reason) / error: unknown key 'note' (date, reason)",
                $"{name}:6:5: エラー: 2026-09-01 は 4 行目にも書かれています / error: 2026-09-01 is also given on line 4",
                $"{name}:7:1: エラー: 不明なキー 'holidays' (closed, open) / error: unknown key 'holidays' (closed, open)",
            ],
            o => o.WithStrictOrdering());
    }

    [Fact]
    public void ShippedFile_LoadsClean()
    {
        var diagnostics = new DiagnosticBag();
        ClosedDaysMap.Load(Path.Combine(RepoPaths.Mappings, "closed-days.yaml"), diagnostics).Should().NotBeNull(diagnostics.Render());
    }
}

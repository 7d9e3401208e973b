using System.Globalization;
using System.Net;
using System.Text;

namespace Dxmig.Platform.Reconciliation;

/// <summary>The report's charts as inline SVG: no script, font or file from anywhere else.</summary>
internal static class SvgCharts
{
    public const int MostAccounts = 30;

    public static readonly string[] VerdictColors = ["#2e7d32", "#e0a000", "#c62828"];

    private const int Width = 680;

    /// <summary>Verdict counts as one stacked bar, then the least complete accounts (at most <see cref="MostAccounts"/>) as bars.</summary>
    public static string Completion(IReadOnlyList<AccountReconciliation> accounts)
    {
        // Accounts that could not be reconciled come first: nothing is known of them, which is worse than any percentage.
        var worst = accounts.OrderBy(a => a.CompletionPercent ?? -1).ThenByDescending(a => a.Verdict).ThenBy(a => a.Account, StringComparer.Ordinal)
            .Take(MostAccounts).ToList();
        var height = 60 + worst.Count * 22;
        var svg = Open(height, $"アカウント別の完了率 / completion per account ({worst.Count} / {accounts.Count})");
        var counts = new[] { Verdict.Complete, Verdict.CompleteWithExceptions, Verdict.Incomplete }.Select(v => accounts.Count(a => a.Verdict == v)).ToArray();
        var x = 0.0;
        var total = Math.Max(1, accounts.Count);
        string[] names = ["完了 / complete", "例外あり / with exceptions", "未完了 / incomplete"];
        for (var i = 0; i < 3; i++)
        {
            var w = (Width - 2.0) * counts[i] / total;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + 1:0.#}\" y=\"4\" width=\"{w:0.#}\" height=\"18\" fill=\"{VerdictColors[i]}\"><title>{names[i]}: {counts[i]}</title></rect>");
            x += w;
        }

        for (var i = 0; i < 3; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{4 + i * 220}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{VerdictColors[i]}\"/><text x=\"{18 + i * 220}\" y=\"39\">{names[i]} {counts[i]:N0}</text>");
        }

        var y = 52;
        foreach (var a in worst)
        {
            if (a.CompletionPercent is not { } percent)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"196\" y=\"{y + 14}\" text-anchor=\"end\">{Esc(Short(a.Account, 28))}</text>" +
                    $"<text x=\"200\" y=\"{y + 14}\" fill=\"{VerdictColors[2]}\" class=\"not-reconciled\">— 照合できず / could not be reconciled<title>{Esc(a.Account)}: {Esc(a.Reason)}</title></text>");
                y += 22;
                continue;
            }

            var w = (Width - 260) * percent / 100;
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"196\" y=\"{y + 14}\" text-anchor=\"end\">{Esc(Short(a.Account, 28))}</text>" +
                $"<rect x=\"200\" y=\"{y + 2}\" width=\"{Width - 260}\" height=\"16\" fill=\"#eee\"/>" +
                $"<rect x=\"200\" y=\"{y + 2}\" width=\"{w:0.#}\" height=\"16\" fill=\"{VerdictColors[(int)a.Verdict]}\"><title>{Esc(a.Account)}: {percent:0.##}% — {Esc(a.Reason)}</title></rect>" +
                $"<text x=\"{Width - 56}\" y=\"{y + 14}\">{percent:0.##}%</text>");
            y += 22;
        }

        return Close(svg);
    }

    /// <summary>Cumulative bytes the run loaded against time (batch by batch, from the ledger).</summary>
    public static string BytesOverRun(IReadOnlyList<(DateTime Utc, long Items, long Bytes)> timeline, TimeZoneInfo zone)
    {
        const int Height = 220;
        if (timeline.Sum(p => p.Bytes) == 0)
        {
            // Nothing to draw: a short line says so instead of an empty frame.
            var empty = Open(36, "実行中の移行バイト数 / bytes moved over the run: なし / nothing moved");
            empty.Append("<text x=\"4\" y=\"22\" class=\"empty-chart\">なし — この実行で移したデータはありません / nothing moved in this run</text>");
            return Close(empty);
        }

        var svg = Open(Height, "実行中の移行バイト数 (累計) / bytes moved over the run (cumulative)");

        var start = timeline[0].Utc;
        var span = Math.Max(1, (timeline[^1].Utc - start).TotalSeconds);
        var total = Math.Max(1, timeline.Sum(p => p.Bytes));
        var points = new StringBuilder("60,190 ");
        long sum = 0;
        foreach (var point in timeline)
        {
            sum += point.Bytes;
            var px = 60 + (Width - 80) * (point.Utc - start).TotalSeconds / span;
            var py = 190 - 170.0 * sum / total;
            points.Append(CultureInfo.InvariantCulture, $"{px:0.#},{py:0.#} ");
        }

        var items = timeline.Sum(p => p.Items);
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"60\" y1=\"190\" x2=\"{Width - 20}\" y2=\"190\" stroke=\"#888\"/><line x1=\"60\" y1=\"20\" x2=\"60\" y2=\"190\" stroke=\"#888\"/>" +
            $"<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"{points.ToString().Trim()}\"/>" +
            $"<text x=\"56\" y=\"24\" text-anchor=\"end\">{Esc(Bytes(total))}</text><text x=\"56\" y=\"190\" text-anchor=\"end\">0</text>" +
            $"<text x=\"60\" y=\"208\">{Esc(Local(start, zone))}</text>" +
            $"<text x=\"{Width - 20}\" y=\"208\" text-anchor=\"end\">{Esc(Local(timeline[^1].Utc, zone))} ({items:N0} 件 / items, {span:0} s)</text>");
        return Close(svg);
    }

    /// <summary>Quarantine reasons (the ledger's codes) as bars, most frequent first (the first 12: the table beside it lists all).</summary>
    public static string QuarantineReasons(IReadOnlyList<(string Code, long Count)> reasons)
    {
        var shown = reasons.Take(12).ToList();
        if (shown.Count == 0)
        {
            var empty = Open(36, "隔離の理由 / quarantine reasons: なし / none");
            empty.Append("<text x=\"4\" y=\"22\" class=\"empty-chart\">なし — 隔離した項目はありません / nothing quarantined</text>");
            return Close(empty);
        }

        var svg = Open(30 + shown.Count * 22, "隔離の理由 / quarantine reasons");

        var max = Math.Max(1, shown.Max(r => r.Count));
        var y = 6;
        foreach (var (code, count) in shown)
        {
            var w = (Width - 300) * (double)count / max;
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"216\" y=\"{y + 14}\" text-anchor=\"end\">{Esc(Short(code, 30))}</text>" +
                $"<rect x=\"220\" y=\"{y + 2}\" width=\"{w:0.#}\" height=\"16\" fill=\"#6a1b9a\"><title>{Esc(code)}: {count}</title></rect>" +
                $"<text x=\"{224 + w:0.#}\" y=\"{y + 14}\">{count:N0}</text>");
            y += 22;
        }

        return Close(svg);
    }

    public static string Bytes(long value)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double v = value;
        var unit = 0;
        while (v >= 1024 && unit < units.Length - 1)
        {
            v /= 1024;
            unit++;
        }

        return unit == 0 ? $"{value} B" : string.Create(CultureInfo.InvariantCulture, $"{v:0.0} {units[unit]}");
    }

    public static string Local(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string Short(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static StringBuilder Open(int height, string title) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-size=\"12\"><title>{Esc(title)}</title>");

    private static string Close(StringBuilder svg) => svg.Append("</svg>").ToString();
}

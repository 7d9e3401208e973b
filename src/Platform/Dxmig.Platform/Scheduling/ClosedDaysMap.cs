using Dxmig.Contracts;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Platform.Scheduling;

/// <summary>
/// Extra closed and open dates (mappings/closed-days.yaml): <c>closed:</c> a list of <c>{date, reason}</c> (a 県民の日,
/// a planned system stop), <c>open:</c> a list of dates (or <c>{date, reason}</c>) on which the office works although
/// the rules say closed. Dates are written YYYY-MM-DD.
/// </summary>
public sealed class ClosedDaysMap
{
    private ClosedDaysMap(IReadOnlyDictionary<DateOnly, string> closed, IReadOnlySet<DateOnly> open)
    {
        Closed = closed;
        Open = open;
    }

    public static ClosedDaysMap Empty { get; } = new(new Dictionary<DateOnly, string>(), new HashSet<DateOnly>());

    /// <summary>Configured closed dates and their reasons.</summary>
    public IReadOnlyDictionary<DateOnly, string> Closed { get; }

    /// <summary>Configured open (working) dates.</summary>
    public IReadOnlySet<DateOnly> Open { get; }

    public static ClosedDaysMap FromDates(IEnumerable<KeyValuePair<DateOnly, string>> closed, IEnumerable<DateOnly> open) =>
        new(closed.ToDictionary(p => p.Key, p => p.Value), open.ToHashSet());

    /// <summary>Reads the file; every problem is reported with file:line. Null when the file has errors.</summary>
    public static ClosedDaysMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = DisplayPath.Of(path);
        if (!File.Exists(path))
        {
            diagnostics.Error(new SourcePosition(display, 0, 0), "閉庁日の設定ファイルがありません", "the closed-days file does not exist");
            return null;
        }

        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        var before = diagnostics.Items.Count;
        SourcePosition At(YamlNode node) => new(display, (int)node.Start.Line, (int)node.Start.Column);
        var closed = new Dictionary<DateOnly, string>();
        var open = new HashSet<DateOnly>();
        var lines = new Dictionary<DateOnly, int>();

        bool Claim(DateOnly date, YamlNode node)
        {
            if (lines.TryGetValue(date, out var first))
            {
                diagnostics.Error(At(node), $"{Iso(date)} は {first} 行目にも書かれています", $"{Iso(date)} is also given on line {first}");
                return false;
            }

            lines[date] = (int)node.Start.Line;
            return true;
        }

        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            if (key is not ("closed" or "open"))
            {
                diagnostics.Error(At(keyNode), $"不明なキー '{key}' (closed, open)", $"unknown key '{key}' (closed, open)");
                continue;
            }

            if (value is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            if (value is not YamlSequenceNode list)
            {
                diagnostics.Error(At(value), $"'{key}' は一覧 (- で始まる行) で書いてください", $"'{key}' must be a list");
                continue;
            }

            foreach (var entry in list.Children)
            {
                if (ReadEntry(entry, key == "closed", At, diagnostics) is not { } item || !Claim(item.Date, entry))
                {
                    continue;
                }

                if (key == "closed")
                {
                    closed[item.Date] = item.Reason!;
                }
                else
                {
                    open.Add(item.Date);
                }
            }
        }

        return diagnostics.Items.Count > before ? null : new ClosedDaysMap(closed, open);
    }

    private static (DateOnly Date, string? Reason)? ReadEntry(YamlNode entry, bool needsReason, Func<YamlNode, SourcePosition> at, DiagnosticBag diagnostics)
    {
        YamlNode? dateNode;
        string? reason = null;
        switch (entry)
        {
            case YamlScalarNode scalar:
                dateNode = scalar;
                break;
            case YamlMappingNode mapping:
                dateNode = null;
                foreach (var (k, v) in mapping.Children)
                {
                    switch ((k as YamlScalarNode)?.Value)
                    {
                        case "date":
                            dateNode = v;
                            break;
                        case "reason":
                            reason = (v as YamlScalarNode)?.Value?.Trim();
                            break;
                        default:
                            diagnostics.Error(at(k), $"不明なキー '{(k as YamlScalarNode)?.Value}' (date, reason)", $"unknown key '{(k as YamlScalarNode)?.Value}' (date, reason)");
                            break;
                    }
                }

                if (dateNode is null)
                {
                    diagnostics.Error(at(entry), "'date' がありません", "'date' is missing");
                    return null;
                }

                break;
            default:
                diagnostics.Error(at(entry), "各項目は日付か {date, reason} です", "each entry is a date or {date, reason}");
                return null;
        }

        if (dateNode is not YamlScalarNode { Value: { } text } ||
            !DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var shown = (dateNode as YamlScalarNode)?.Value;
            diagnostics.Error(at(dateNode), $"日付 '{shown}' は YYYY-MM-DD で書いてください", $"date '{shown}' must be written YYYY-MM-DD");
            return null;
        }

        if (needsReason && string.IsNullOrEmpty(reason))
        {
            diagnostics.Error(at(entry), $"{Iso(date)}: 閉庁日には理由 (reason) を書いてください", $"{Iso(date)}: a closed day needs a reason");
            return null;
        }

        return (date, reason);
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

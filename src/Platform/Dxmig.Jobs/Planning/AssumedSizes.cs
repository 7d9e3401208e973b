using System.Globalization;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Platform.Scheduling;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Jobs.Planning;

/// <summary>One group of a size mix: its share of the accounts (any unit: they are weighed against each other) and each one's size.</summary>
public sealed record SizeMixGroup(double Share, double Megabytes);

/// <summary>
/// <c>dxmig plan --assume-accounts N --assume-bytes SIZE [--assume-items N] [--size-mix FILE]</c>: a source of a given
/// scale, for a plan before the source can be read (the prefecture's 7,500 mailboxes, 15 TB). The accounts take the
/// size mix's shapes scaled so that their bytes add up to the total asked; items are spread in proportion to bytes.
/// The accounts are laid out with the groups interleaved, as a real account list is not sorted by size.
/// </summary>
public sealed partial record AssumedSizes(int Accounts, long Bytes, long? Items, IReadOnlyList<SizeMixGroup>? Mix, string? MixSource)
{
    /// <summary>Item size assumed when no item count is given: the mean message of the benchmarks' real-world corpus (1.88 GB over 20,000 messages, 96 KB).</summary>
    public const long AssumedItemBytes = 96 * 1024;

    /// <summary>Every account the same size.</summary>
    public static IReadOnlyList<SizeMixGroup> Even { get; } = [new(1, 1)];

    /// <summary>Items of all accounts: as given, or the bytes over <see cref="AssumedItemBytes"/>.</summary>
    public long TotalItems => Items ?? Math.Max(Accounts, Bytes / AssumedItemBytes);

    /// <summary>One line for the plan: what was assumed.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Accounts:N0} アカウント accounts, {Bytes / (1024d * 1024 * 1024 * 1024):0.##} TB, {TotalItems:N0} 件 items") +
        (Items is null ? string.Create(CultureInfo.InvariantCulture, $" (1 件 {AssumedItemBytes / 1024} KB と想定 / assumed {AssumedItemBytes / 1024} KB per item)") : string.Empty) +
        (MixSource is null ? "; 容量はすべて同じ / every account the same size" : $"; 容量の分布 / size mix: {MixSource}");

    /// <summary>The accounts, named <c>assumed-00001</c> …, in an order that interleaves the mix's groups.</summary>
    public IReadOnlyList<SourceSize> Build()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Accounts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Bytes);
        var mix = Mix is { Count: > 0 } given ? given : Even;
        var shares = mix.Sum(g => g.Share);

        // Accounts per group by largest remainder, so they add up to the count asked.
        var exact = mix.Select(g => Accounts * g.Share / shares).ToList();
        var counts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var i in Enumerable.Range(0, mix.Count).OrderByDescending(i => exact[i] - counts[i]).Take(Accounts - counts.Sum()))
        {
            counts[i]++;
        }

        var shapeTotal = Enumerable.Range(0, mix.Count).Sum(i => counts[i] * mix[i].Megabytes);
        var scale = shapeTotal > 0 ? Bytes / shapeTotal : 0;
        var items = TotalItems;

        // Interleaved: each account placed at the middle of its slot within its group.
        var order = Enumerable.Range(0, mix.Count)
            .SelectMany(g => Enumerable.Range(0, counts[g]).Select(k => (Group: g, Place: (k + 0.5) / counts[g])))
            .OrderBy(a => a.Place).ThenBy(a => a.Group).ToList();
        var sizes = new List<SourceSize>(order.Count);
        long bytesSoFar = 0, itemsSoFar = 0;
        double shapeSoFar = 0;
        for (var n = 0; n < order.Count; n++)
        {
            // Cumulative rounding: the accounts' bytes and items add up exactly to the totals.
            shapeSoFar += mix[order[n].Group].Megabytes;
            var bytesUpTo = n == order.Count - 1 ? Bytes : (long)Math.Round(shapeSoFar * scale);
            var itemsUpTo = n == order.Count - 1 ? items : Bytes > 0 ? (long)Math.Round(items * (double)bytesUpTo / Bytes) : items * (n + 1) / order.Count;
            var name = string.Create(CultureInfo.InvariantCulture, $"assumed-{n + 1:00000}");
            sizes.Add(new SourceSize(new PlanAccount(name, itemsUpTo - itemsSoFar, bytesUpTo - bytesSoFar, 1), name, "assumed", null));
            bytesSoFar = bytesUpTo;
            itemsSoFar = itemsUpTo;
        }

        return sizes;
    }

    /// <summary>"15TB", "300 GB", "2048MB", "1.5 TB", "1000" (bytes): binary units, as dxmig prints them.</summary>
    public static long? ParseBytes(string? text)
    {
        if (text is null || SizePattern().Match(text.Trim()) is not { Success: true } match ||
            !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return null;
        }

        var factor = match.Groups["u"].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1d,
            "K" or "KB" => 1024d,
            "M" or "MB" => 1024d * 1024,
            "G" or "GB" => 1024d * 1024 * 1024,
            _ => 1024d * 1024 * 1024 * 1024,
        };
        var bytes = number * factor;
        return bytes < long.MaxValue ? (long)bytes : null;
    }

    /// <summary>
    /// Reads a size-mix file: <c>mix:</c>, a list of <c>share</c> (of the accounts; percent or any weights) and
    /// <c>mb</c> (each account's size, only its proportion to the others counts).
    /// </summary>
    /// <exception cref="ConfigurationException">The file has errors (every one listed with file:line).</exception>
    public static IReadOnlyList<SizeMixGroup> LoadMix(string path)
    {
        var diagnostics = new DiagnosticBag();
        var display = DisplayPath.Of(path);
        var groups = new List<SizeMixGroup>();
        if (!File.Exists(path))
        {
            throw new ConfigurationException($"{display}: 容量の分布ファイルがありません / the size-mix file does not exist");
        }

        if (YamlFile.Load(path, display, diagnostics) is { } root)
        {
            if (!root.Children.TryGetValue(new YamlScalarNode("mix"), out var list) || list is not YamlSequenceNode sequence)
            {
                diagnostics.Error(new SourcePosition(display, 1, 1), "'mix' の一覧 (- で始まる行) がありません", "the list 'mix' (lines starting with -) is missing");
            }
            else
            {
                foreach (var item in sequence.Children)
                {
                    var at = new SourcePosition(display, (int)item.Start.Line, (int)item.Start.Column);
                    if (item is YamlMappingNode mapping && Number(mapping, "share") is { } share && Number(mapping, "mb") is { } mb && share > 0 && mb > 0 && mapping.Children.Count == 2)
                    {
                        groups.Add(new SizeMixGroup(share, mb));
                    }
                    else
                    {
                        diagnostics.Error(at, "各項目は share (正の数) と mb (正の数) だけです", "each entry is a share (a positive number) and an mb (a positive number), nothing else");
                    }
                }

                if (sequence.Children.Count == 0)
                {
                    diagnostics.Error(new SourcePosition(display, (int)sequence.Start.Line, 1), "'mix' が空です", "'mix' is empty");
                }
            }
        }

        if (diagnostics.HasErrors)
        {
            throw new ConfigurationException(diagnostics.Render());
        }

        return groups;
    }

    private static double? Number(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } text } &&
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)\s*(?<u>[KMGT]?B?|[kK]B?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}

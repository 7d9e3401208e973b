using System.Globalization;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Jobs.Planning;

/// <summary>
/// A rates file (<c>mappings/plan-rates.yaml</c>, or one given with <c>--rates</c> / <c>DXMIG_PLAN_RATES</c>): a list
/// <c>rates:</c> of entries, each a kind and a target with one lane's rate, the fixed costs, one node's capacity and
/// their basis. Every problem is reported with file:line, all at once.
/// </summary>
public sealed class PlanRateBook
{
    /// <summary>The shipped file's name, found like a mapping file (beside the job, its <c>mappings</c>, the installation's).</summary>
    public const string FileName = "plan-rates.yaml";

    /// <summary>A whole rates file to use instead of the shipped one (the rehearsal writes one for its time-scaled emulator).</summary>
    public const string Variable = "DXMIG_PLAN_RATES";

    /// <summary>Keys of a rate (the same in a rates file's entry and in a job's <c>plan:</c> section).</summary>
    public static IReadOnlyList<string> RateKeys { get; } =
    [
        "status", "basis", "items-per-second", "mb-per-second", "requests-per-item", "per-run-seconds", "per-account-seconds",
        "per-container-seconds", "items-window-seconds", "mb-window-seconds", "node-mb-per-second",
    ];

    private readonly Dictionary<(string Kind, string Target), PlanRate> entries;

    private PlanRateBook(string display, Dictionary<(string Kind, string Target), PlanRate> entries)
    {
        Display = display;
        this.entries = entries;
    }

    /// <summary>The file as shown to a person.</summary>
    public string Display { get; }

    public IReadOnlyCollection<PlanRate> Entries => entries.Values;

    /// <summary>The entry for a kind and target, or null.</summary>
    public PlanRate? Find(string kind, string target) => entries.GetValueOrDefault((kind, target));

    /// <summary>Reads a rates file; null when it has errors (each in <paramref name="diagnostics"/>).</summary>
    public static PlanRateBook? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = DisplayPath.Of(path);
        if (!File.Exists(path))
        {
            diagnostics.Error(new SourcePosition(display, 0, 0), "速度の設定ファイルがありません", "the rates file does not exist");
            return null;
        }

        var before = diagnostics.Items.Count(d => d.Severity == Severity.Error);
        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        var found = new Dictionary<(string, string), PlanRate>();
        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: "rates" })
            {
                continue;
            }

            diagnostics.Error(At(display, key), $"不明なキー '{(key as YamlScalarNode)?.Value}' です。使えるキー: rates", $"unknown key '{(key as YamlScalarNode)?.Value}'; known keys: rates");
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("rates"), out var list) || list is not YamlSequenceNode sequence)
        {
            diagnostics.Error(new SourcePosition(display, 1, 1), "'rates' の一覧 (- で始まる行) がありません", "the list 'rates' (lines starting with -) is missing");
            return null;
        }

        foreach (var item in sequence.Children)
        {
            if (item is not YamlMappingNode mapping)
            {
                diagnostics.Error(At(display, item), "'rates' の各項目はキーと値の組です", "each entry of 'rates' must be a mapping");
                continue;
            }

            var fields = mapping.Children
                .Select(c => new RateField((c.Key as YamlScalarNode)?.Value ?? string.Empty, (c.Value as YamlScalarNode)?.Value, At(display, c.Key)))
                .ToList();
            var kind = fields.FirstOrDefault(f => f.Key == "kind")?.Value;
            var target = fields.FirstOrDefault(f => f.Key == "target")?.Value;
            var at = At(display, mapping);
            if (string.IsNullOrWhiteSpace(kind) || string.IsNullOrWhiteSpace(target))
            {
                diagnostics.Error(at, "各項目には kind と target が必要です", "every entry needs a kind and a target");
                continue;
            }

            var rate = Apply(new PlanRate(kind, target) { Source = $"{display}:{at.Line}" }, fields.Where(f => f.Key is not ("kind" or "target")), diagnostics, overriding: false);
            if (!found.TryAdd((kind, target), rate))
            {
                diagnostics.Error(at, $"{kind} → {target} が二度書かれています", $"{kind} → {target} is written twice");
            }
        }

        return diagnostics.Items.Count(d => d.Severity == Severity.Error) > before ? null : new PlanRateBook(display, found);
    }

    /// <summary>
    /// The keys of a job's <c>plan:</c> section over <paramref name="rate"/>, key by key, each override named in the
    /// rate's source (file:line).
    /// </summary>
    public static PlanRate ApplySection(PlanRate rate, JobSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        section.CheckKeys([.. RateKeys]);
        var fields = section.Keys.Where(RateKeys.Contains).Select(k => new RateField(k, section.Value(k), section.PositionOf(k)));
        return Apply(rate, fields, section.Diagnostics, overriding: true);
    }

    /// <summary>One key of an entry with where it is written.</summary>
    public sealed record RateField(string Key, string? Value, SourcePosition At);

    private static PlanRate Apply(PlanRate rate, IEnumerable<RateField> fields, DiagnosticBag diagnostics, bool overriding)
    {
        foreach (var field in fields)
        {
            var before = rate;
            rate = field.Key switch
            {
                "status" => Status(field, diagnostics) is { } status ? rate with { Status = status } : rate,
                "basis" => rate with { Basis = field.Value ?? string.Empty },
                "items-per-second" => Positive(field, diagnostics) is { } v ? rate with { ItemsPerSecond = v } : rate,
                "mb-per-second" => Positive(field, diagnostics) is { } v ? rate with { MegabytesPerSecond = v } : rate,
                "requests-per-item" => Positive(field, diagnostics) is { } v ? rate with { RequestsPerItem = v } : rate,
                "per-run-seconds" => NotNegative(field, diagnostics) is { } v ? rate with { PerRunSeconds = v } : rate,
                "per-account-seconds" => NotNegative(field, diagnostics) is { } v ? rate with { PerAccountSeconds = v } : rate,
                "per-container-seconds" => NotNegative(field, diagnostics) is { } v ? rate with { PerContainerSeconds = v } : rate,
                "items-window-seconds" => NotNegative(field, diagnostics) is { } v ? rate with { ItemsWindowSeconds = v } : rate,
                "mb-window-seconds" => NotNegative(field, diagnostics) is { } v ? rate with { BytesWindowSeconds = v } : rate,
                "node-mb-per-second" => Positive(field, diagnostics) is { } v ? rate with { NodeMegabytesPerSecond = v } : rate,
                _ => Unknown(field, diagnostics, rate),
            };

            if (overriding && !ReferenceEquals(before, rate))
            {
                rate = rate with { Source = $"{rate.Source}; {field.Key}: {field.At.File}:{field.At.Line} (plan:)" };
            }
        }

        return rate;
    }

    private static PlanRate Unknown(RateField field, DiagnosticBag diagnostics, PlanRate rate)
    {
        var known = string.Join(", ", RateKeys.Prepend("target").Prepend("kind"));
        diagnostics.Error(field.At, $"不明なキー '{field.Key}' です。使えるキー: {known}", $"unknown key '{field.Key}'; known keys: {known}");
        return rate;
    }

    private static RateStatus? Status(RateField field, DiagnosticBag diagnostics)
    {
        switch (field.Value)
        {
            case "measured": return RateStatus.Measured;
            case "published": return RateStatus.Published;
            case "assumed": return RateStatus.Assumed;
            default:
                diagnostics.Error(field.At, $"'{field.Key}' は measured, published, assumed のどれかです (値: {field.Value})", $"'{field.Key}' must be measured, published or assumed (got {field.Value})");
                return null;
        }
    }

    private static double? Positive(RateField field, DiagnosticBag diagnostics) => Number(field, diagnostics, allowZero: false);

    private static double? NotNegative(RateField field, DiagnosticBag diagnostics) => Number(field, diagnostics, allowZero: true);

    private static double? Number(RateField field, DiagnosticBag diagnostics, bool allowZero)
    {
        if (double.TryParse(field.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && (allowZero ? value >= 0 : value > 0))
        {
            return value;
        }

        var words = allowZero ? ("0 以上の数", "a number of 0 or more") : ("正の数", "a positive number");
        diagnostics.Error(field.At, $"'{field.Key}' は{words.Item1}です (値: {field.Value})", $"'{field.Key}' must be {words.Item2} (got {field.Value})");
        return null;
    }

    private static SourcePosition At(string display, YamlNode node) => new(display, (int)node.Start.Line, (int)node.Start.Column);
}

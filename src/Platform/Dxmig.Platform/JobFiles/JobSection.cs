using Dxmig.Contracts;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Platform.JobFiles;

/// <summary>
/// One mapping of a job file, read with the position of every value so each problem is reported with file:line.
/// Values have <c>${VAR}</c> expanded; every key read is remembered so <see cref="CheckKeys"/> reports the rest.
/// </summary>
public sealed class JobSection
{
    private readonly YamlMappingNode node;
    private readonly Func<string, string?> environment;
    private readonly ReadState state;

    internal JobSection(string file, YamlMappingNode node, DiagnosticBag diagnostics, Func<string, string?> environment, string path, JobUse use = JobUse.Run)
        : this(file, node, diagnostics, environment, path, new ReadState(use))
    {
    }

    private JobSection(string file, YamlMappingNode node, DiagnosticBag diagnostics, Func<string, string?> environment, string path, ReadState state)
    {
        File = file;
        this.node = node;
        Diagnostics = diagnostics;
        this.environment = environment;
        Path = path;
        this.state = state;
    }

    /// <summary>What the job file is read for (<see cref="JobUse"/>): the same for every section of one file.</summary>
    public JobUse Use => state.Use;

    /// <summary>What the source cannot reach, when the file is read for its <see cref="JobUse.History"/> (empty otherwise).</summary>
    public IReadOnlyList<Diagnostic> Unreachable => state.Unreachable;

    public string File { get; }

    /// <summary>Dotted path of this section in the file ("source", "source.files[2]").</summary>
    public string Path { get; }

    public DiagnosticBag Diagnostics { get; }

    public SourcePosition Position => At(node);

    public IEnumerable<string> Keys => node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty);

    public bool Has(string key) => Find(key) is not null;

    /// <summary>True when the key holds a mapping (a nested section) rather than a single value.</summary>
    public bool IsSection(string key) => Find(key) is YamlMappingNode;

    /// <summary>Position of a key's value, or of this section when the key is absent.</summary>
    public SourcePosition PositionOf(string key) => Find(key) is { } value ? At(value) : Position;

    public string? Value(string key, bool required = false)
    {
        var value = Find(key);
        if (value is null)
        {
            if (required)
            {
                Diagnostics.Error(Position, $"'{Qualified(key)}' がありません", $"'{Qualified(key)}' is missing");
            }

            return null;
        }

        if (value is not YamlScalarNode scalar)
        {
            Diagnostics.Error(At(value), $"'{Qualified(key)}' は文字列で書いてください", $"'{Qualified(key)}' must be a single value");
            return null;
        }

        var expanded = Expand(scalar);
        if (required && string.IsNullOrWhiteSpace(expanded))
        {
            Diagnostics.Error(At(value), $"'{Qualified(key)}' が空です", $"'{Qualified(key)}' is empty");
            return null;
        }

        return expanded;
    }

    public int? Number(string key, int min, int max)
    {
        var text = Value(key);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            Diagnostics.Error(PositionOf(key), $"'{Qualified(key)}' は {min}〜{max} の整数です (値: {text})", $"'{Qualified(key)}' must be a whole number from {min} to {max} (got {text})");
            return null;
        }

        return number;
    }

    public bool? Flag(string key)
    {
        var text = Value(key);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var flag))
        {
            return flag;
        }

        Diagnostics.Error(PositionOf(key), $"'{Qualified(key)}' は true か false です (値: {text})", $"'{Qualified(key)}' must be true or false (got {text})");
        return null;
    }

    /// <summary>One of the allowed words; anything else is reported with the list.</summary>
    public string? Choice(string key, IReadOnlyCollection<string> allowed, string? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var text = Value(key);
        if (text is null)
        {
            return fallback;
        }

        if (allowed.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        var list = string.Join(", ", allowed);
        Diagnostics.Error(PositionOf(key), $"'{Qualified(key)}' の値 '{text}' は使えません。使える値: {list}", $"'{Qualified(key)}' cannot be '{text}'; allowed: {list}");
        return null;
    }

    public JobSection? Section(string key, bool required = false)
    {
        var value = Find(key);
        if (value is null)
        {
            if (required)
            {
                Diagnostics.Error(Position, $"'{Qualified(key)}' セクションがありません", $"section '{Qualified(key)}' is missing");
            }

            return null;
        }

        if (value is YamlMappingNode mapping)
        {
            return new JobSection(File, mapping, Diagnostics, environment, Qualified(key), state);
        }

        Diagnostics.Error(At(value), $"'{Qualified(key)}' はキーと値の組で書いてください", $"'{Qualified(key)}' must be a mapping of keys to values");
        return null;
    }

    public IReadOnlyList<JobSection> SectionList(string key)
    {
        var value = Find(key);
        if (value is null)
        {
            return [];
        }

        if (value is not YamlSequenceNode sequence)
        {
            Diagnostics.Error(At(value), $"'{Qualified(key)}' は一覧 (- で始まる行) で書いてください", $"'{Qualified(key)}' must be a list");
            return [];
        }

        var result = new List<JobSection>();
        var index = 0;
        foreach (var entry in sequence.Children)
        {
            if (entry is YamlMappingNode mapping)
            {
                result.Add(new JobSection(File, mapping, Diagnostics, environment, $"{Qualified(key)}[{index}]", state));
            }
            else
            {
                Diagnostics.Error(At(entry), $"'{Qualified(key)}' の各項目はキーと値の組です", $"each entry of '{Qualified(key)}' must be a mapping");
            }

            index++;
        }

        return result;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var value = Find(key);
        switch (value)
        {
            case null:
                return [];
            case YamlScalarNode scalar:
                return [Expand(scalar)];
            case YamlSequenceNode sequence:
                var result = new List<string>();
                foreach (var entry in sequence.Children)
                {
                    if (entry is YamlScalarNode item)
                    {
                        result.Add(Expand(item));
                    }
                    else
                    {
                        Diagnostics.Error(At(entry), $"'{Qualified(key)}' の各項目は文字列です", $"each entry of '{Qualified(key)}' must be a single value");
                    }
                }

                return result;
            default:
                Diagnostics.Error(At(value), $"'{Qualified(key)}' は一覧で書いてください", $"'{Qualified(key)}' must be a list");
                return [];
        }
    }

    /// <summary>A secret given by reference: <c>{key}-env: NAME</c> or <c>{key}-file: PATH</c>.</summary>
    public SecretReference? Secret(string key, bool required = false)
    {
        var env = Value($"{key}-env");
        var file = Value($"{key}-file");
        if (env is not null && file is not null)
        {
            Diagnostics.Error(PositionOf($"{key}-file"), $"'{key}-env' と '{key}-file' はどちらか一方だけ書いてください", $"give either '{key}-env' or '{key}-file', not both");
            return null;
        }

        var reference = env is not null
            ? new SecretReference(SecretSource.Environment, env, PositionOf($"{key}-env"))
            : file is not null ? new SecretReference(SecretSource.File, ResolvePath(file), PositionOf($"{key}-file")) : null;
        if (reference is not null)
        {
            // A run reads it: its presence (never its value) is checked now, so validate fails where the run would.
            if (state.Use == JobUse.Run && reference.Problem(environment) is { } problem)
            {
                Diagnostics.Error(reference.Position, problem.Japanese, problem.English);
            }

            return reference;
        }

        if (required)
        {
            Diagnostics.Error(Position, $"'{Qualified(key)}-env' か '{Qualified(key)}-file' で秘密情報の参照先を書いてください", $"reference the secret with '{Qualified(key)}-env' or '{Qualified(key)}-file'");
        }

        return null;
    }

    /// <summary>
    /// A file or folder of the source that is not there: an error when the job is read to run; when it is read for its
    /// <see cref="JobUse.History"/>, kept in <see cref="Unreachable"/> (the ledger's history does not need it).
    /// </summary>
    public void SourceMissing(SourcePosition position, string japanese, string english)
    {
        if (state.Use == JobUse.Run)
        {
            Diagnostics.Error(position, japanese, english);
        }
        else
        {
            state.Unreachable.Add(new Diagnostic(position, Severity.Warning, japanese, english));
        }
    }

    /// <summary>A path from the file, resolved against the job file's folder when relative.</summary>
    public string ResolvePath(string path) =>
        System.IO.Path.GetFullPath(path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(File))!);

    /// <summary>Reports every key of this section that is not in <paramref name="known"/>, with the nearest known key.</summary>
    public void CheckKeys(params string[] known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var (keyNode, _) in node.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (known.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            var nearest = known.Select(k => (Key: k, Distance: Levenshtein(k, key))).OrderBy(x => x.Distance).FirstOrDefault();
            var hintJa = nearest.Key is not null && nearest.Distance <= 3 ? $" (もしかして '{nearest.Key}'?)" : string.Empty;
            var hintEn = nearest.Key is not null && nearest.Distance <= 3 ? $" (did you mean '{nearest.Key}'?)" : string.Empty;
            Diagnostics.Error(At(keyNode), $"不明なキー '{Qualified(key)}' です{hintJa}", $"unknown key '{Qualified(key)}'{hintEn}");
        }
    }

    internal static SourcePosition At(string file, YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    private SourcePosition At(YamlNode value) => At(File, value);

    private YamlNode? Find(string key) =>
        node.Children.FirstOrDefault(p => p.Key is YamlScalarNode s && s.Value == key).Value;

    private string Qualified(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    // An unset variable is reported where a setting the job uses reads it (once), so a section the job's settings
    // leave unread (a feature switched off) asks for none of its variables.
    private string Expand(YamlScalarNode scalar) =>
        EnvironmentExpander.Expand(scalar.Value ?? string.Empty, environment, name =>
        {
            var at = At(scalar);
            if (state.Reported.Add((at, name)))
            {
                Diagnostics.Error(at, $"環境変数 {name} が設定されていません", $"environment variable {name} is not set");
            }
        });

    /// <summary>What all sections of one job file share.</summary>
    private sealed class ReadState(JobUse use)
    {
        public JobUse Use { get; } = use;

        public List<Diagnostic> Unreachable { get; } = [];

        public HashSet<(SourcePosition, string)> Reported { get; } = [];
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

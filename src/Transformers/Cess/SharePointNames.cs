using Dxmig.Contracts;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dxmig.Contracts.Records;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// SharePoint's and OneDrive's name rules as a rename rule (mappings/sharepoint-names.yaml): characters they refuse
/// (<c>" * : &lt; &gt; ? / \ |</c>) replaced (by default with their full-width forms, which Japanese readers read the
/// same), leading and trailing spaces cut, a leading <c>~</c> replaced, reserved names (CON, PRN, AUX, NUL, COM0–9,
/// LPT0–9, .lock, desktop.ini, anything with _vti_) given a suffix, and a path over the 400-character limit shortened
/// folder by folder (longest first) to a prefix plus a short hash of the original, so two long names stay apart. Each
/// change is returned as a <see cref="DocumentRename"/>; the same input always gives the same name.
/// </summary>
public sealed class SharePointNames
{
    /// <summary>SharePoint Online's limit on the whole decoded path (folders and file name).</summary>
    public const int DefaultMaxPath = 400;

    private static readonly string[] DefaultReserved =
    [
        "CON", "PRN", "AUX", "NUL", .. Enumerable.Range(0, 10).Select(i => $"COM{i}"), .. Enumerable.Range(0, 10).Select(i => $"LPT{i}"),
        ".lock", "desktop.ini",
    ];

    private readonly IReadOnlyList<(string From, string To)> replace;
    private readonly IReadOnlyList<(string From, string To)> leading;
    private readonly HashSet<string> reserved;

    private SharePointNames(IReadOnlyList<(string, string)> replace, IReadOnlyList<(string, string)> leading, IEnumerable<string> reserved,
        string reservedSuffix, int maxPath, int shortenTo)
    {
        this.replace = replace;
        this.leading = leading;
        this.reserved = new HashSet<string>(reserved, StringComparer.OrdinalIgnoreCase);
        ReservedSuffix = reservedSuffix;
        MaxPath = maxPath;
        ShortenTo = shortenTo;
    }

    public string ReservedSuffix { get; }

    public int MaxPath { get; }

    /// <summary>Length a folder name is cut to when the path is too long (hash suffix included).</summary>
    public int ShortenTo { get; }

    /// <summary>The shipped rules (the same as mappings/sharepoint-names.yaml).</summary>
    public static SharePointNames Default { get; } = new(
        [("\"", "＂"), ("*", "＊"), (":", "："), ("<", "＜"), (">", "＞"), ("?", "？"), ("/", "／"), ("\\", "＼"), ("|", "｜"), ("_vti_", "_vti＿")],
        [("~", "～")],
        DefaultReserved,
        "_",
        DefaultMaxPath,
        40);

    /// <summary>
    /// The target path for a source path ('/' separated) under <paramref name="root"/> (the target folder, counted in the
    /// length), and the renames made; the path is null when even shortened it stays over the limit.
    /// </summary>
    public (string? Path, IReadOnlyList<DocumentRename> Renames) Apply(string relativePath, string root = "")
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var renames = new List<DocumentRename>();
        var segments = relativePath.Split('/').Select(s => Segment(s, renames)).ToArray();
        var rootLength = root.Trim('/').Length is var r && r > 0 ? r + 1 : 0;
        int Length() => rootLength + segments.Sum(s => s.Length) + segments.Length - 1;

        // Folders first, longest first; the file name last, keeping its extension.
        while (Length() > MaxPath)
        {
            var longest = Enumerable.Range(0, segments.Length - 1).Where(i => segments[i].Length > ShortenTo)
                .OrderByDescending(i => segments[i].Length).ThenBy(i => i).Cast<int?>().FirstOrDefault();
            var index = longest ?? (segments[^1].Length > ShortenTo ? segments.Length - 1 : -1);
            if (index < 0)
            {
                return (null, renames);
            }

            var shortened = Shorten(segments[index], index == segments.Length - 1);
            renames.Add(new DocumentRename(segments[index], shortened, "path-too-long"));
            segments[index] = shortened;
        }

        return (string.Join('/', segments), renames);
    }

    /// <summary>Reads the rules; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static SharePointNames? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = Dxmig.Contracts.DisplayPath.Of(path);
        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        var before = diagnostics.Items.Count;
        var replace = Default.replace;
        var leading = Default.leading;
        IEnumerable<string> reserved = Default.reserved;
        var suffix = Default.ReservedSuffix;
        var maxPath = Default.MaxPath;
        var shortenTo = Default.ShortenTo;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var at = new SourcePosition(display, (int)keyNode.Start.Line, (int)keyNode.Start.Column);
            switch (key)
            {
                case "replace" when value is YamlMappingNode map:
                    replace = Pairs(map);
                    break;
                case "leading" when value is YamlMappingNode map:
                    leading = Pairs(map);
                    break;
                case "reserved" when value is YamlSequenceNode list:
                    reserved = [.. list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).Where(s => s.Length > 0)];
                    break;
                case "reserved-suffix" when value is YamlScalarNode { Value.Length: > 0 } text:
                    suffix = text.Value!;
                    break;
                case "max-path" when value is YamlScalarNode text && int.TryParse(text.Value, CultureInfo.InvariantCulture, out var n) && n is >= 50 and <= 400:
                    maxPath = n;
                    break;
                case "shorten-to" when value is YamlScalarNode text && int.TryParse(text.Value, CultureInfo.InvariantCulture, out var n) && n is >= 8 and <= 128:
                    shortenTo = n;
                    break;
                default:
                    diagnostics.Error(at,
                        $"'{key}' が不正です (replace: 文字→置換, leading: 先頭文字→置換, reserved: 予約名の一覧, reserved-suffix: 文字列, max-path: 50〜400, shorten-to: 8〜128)",
                        $"'{key}' is not valid (replace: map, leading: map, reserved: list, reserved-suffix: text, max-path: 50-400, shorten-to: 8-128)");
                    break;
            }
        }

        foreach (var (from, to) in replace.Concat(leading))
        {
            if (Default.replace.Any(d => to.Contains(d.From, StringComparison.Ordinal) && d.From.Length == 1))
            {
                diagnostics.Error(new SourcePosition(display, 1, 1),
                    $"'{from}' の置き換え '{to}' にも SharePoint が受け付けない文字があります", $"the replacement '{to}' of '{from}' holds a character SharePoint refuses too");
            }
        }

        return diagnostics.Items.Count > before ? null : new SharePointNames(replace, leading, reserved, suffix, maxPath, shortenTo);
    }

    private static List<(string, string)> Pairs(YamlMappingNode map) =>
        [.. map.Children.Select(p => ((p.Key as YamlScalarNode)?.Value ?? string.Empty, (p.Value as YamlScalarNode)?.Value ?? string.Empty)).Where(p => p.Item1.Length > 0)];

    private string Segment(string original, List<DocumentRename> renames)
    {
        var name = original;
        foreach (var (from, to) in replace)
        {
            name = name.Replace(from, to, StringComparison.Ordinal);
        }

        Note(ref name, original, "invalid-character", renames);
        var trimmed = name.Trim(' ');
        var before = name;
        name = trimmed.Length == 0 ? ReservedSuffix : trimmed;
        Note(ref name, before, "surrounding-space", renames);
        before = name;
        foreach (var (from, to) in leading)
        {
            if (name.StartsWith(from, StringComparison.Ordinal))
            {
                name = to + name[from.Length..];
            }
        }

        Note(ref name, before, "leading-character", renames);
        before = name;
        var dot = name.IndexOf('.', 1);
        var stem = dot < 0 ? name : name[..dot];
        if (reserved.Contains(name) || reserved.Contains(stem))
        {
            name = reserved.Contains(name) && dot < 0 || name.StartsWith('.') ? name + ReservedSuffix : stem + ReservedSuffix + name[stem.Length..];
        }

        Note(ref name, before, "reserved-name", renames);
        return name;
    }

    private static void Note(ref string name, string before, string rule, List<DocumentRename> renames)
    {
        if (!string.Equals(name, before, StringComparison.Ordinal))
        {
            renames.Add(new DocumentRename(before, name, rule));
        }
    }

    private string Shorten(string name, bool isFile)
    {
        var tag = "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6];
        var extension = isFile ? Path.GetExtension(name) : string.Empty;
        if (extension.Length > 16)
        {
            extension = string.Empty;
        }

        var keep = Math.Max(1, ShortenTo - tag.Length - extension.Length);
        var stem = name[..^extension.Length];
        return stem[..Math.Min(keep, stem.Length)].TrimEnd(' ') + tag + extension;
    }
}

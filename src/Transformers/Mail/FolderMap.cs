using Dxmig.Contracts;
using System.Text.RegularExpressions;
using Dxmig.Contracts.Records;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Transformers.Mail;

/// <summary>
/// Where source folders go (mappings/mail-folders.yaml): Active! Mail's Japanese folder names to roles (送信済み → sent),
/// each role to the target's folder name, regex renames on the folder path, and the characters a target refuses in
/// a folder name with their replacement.
/// </summary>
public sealed class FolderMap
{
    private static readonly Dictionary<string, MailFolderRole> RoleWords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["inbox"] = MailFolderRole.Inbox,
        ["sent"] = MailFolderRole.Sent,
        ["drafts"] = MailFolderRole.Drafts,
        ["trash"] = MailFolderRole.Trash,
        ["junk"] = MailFolderRole.Junk,
        ["archive"] = MailFolderRole.Archive,
    };

    public FolderMap(
        IReadOnlyDictionary<string, MailFolderRole> roles,
        IReadOnlyDictionary<MailFolderRole, string> targets,
        IReadOnlyList<(Regex Match, string Replace)> renames,
        string refusedCharacters,
        string replacement,
        IReadOnlyList<string>? reservedNames = null)
    {
        ReservedNames = reservedNames ?? DefaultReservedNames;
        Roles = roles;
        Targets = targets;
        Renames = renames;
        RefusedCharacters = refusedCharacters;
        Replacement = replacement;
    }

    /// <summary>Folder names (as Active! Mail shows them) that have a role.</summary>
    public IReadOnlyDictionary<string, MailFolderRole> Roles { get; }

    /// <summary>The target's folder for each role.</summary>
    public IReadOnlyDictionary<MailFolderRole, string> Targets { get; }

    public IReadOnlyList<(Regex Match, string Replace)> Renames { get; }

    public string RefusedCharacters { get; }

    public string Replacement { get; }

    /// <summary>Top-level folder names Exchange Online reserves (imapsync's Office 365 FAQ: <c>Files</c>).</summary>
    public static IReadOnlyList<string> DefaultReservedNames { get; } = ["Files"];

    /// <summary>Top-level folder names the target reserves, renamed on a target that has them (Exchange's IMAP).</summary>
    public IReadOnlyList<string> ReservedNames { get; }

    /// <summary>The map that Active! Mail and a standard IMAP target need (the same as the shipped mapping file).</summary>
    public static FolderMap Default { get; } = new(
        new Dictionary<string, MailFolderRole>(StringComparer.Ordinal)
        {
            ["送信済み"] = MailFolderRole.Sent,
            ["送信済みメール"] = MailFolderRole.Sent,
            ["送信済みアイテム"] = MailFolderRole.Sent,
            ["下書き"] = MailFolderRole.Drafts,
            ["ごみ箱"] = MailFolderRole.Trash,
            ["ゴミ箱"] = MailFolderRole.Trash,
            ["削除済みアイテム"] = MailFolderRole.Trash,
            ["迷惑メール"] = MailFolderRole.Junk,
            ["アーカイブ"] = MailFolderRole.Archive,
        },
        new Dictionary<MailFolderRole, string>
        {
            [MailFolderRole.Inbox] = "INBOX",
            [MailFolderRole.Sent] = "Sent",
            [MailFolderRole.Drafts] = "Drafts",
            [MailFolderRole.Trash] = "Trash",
            [MailFolderRole.Junk] = "Junk",
            [MailFolderRole.Archive] = "Archive",
        },
        [],
        "*%",
        "_");

    /// <summary>Reads a folder map; every problem is reported with file:line. Null when the file has errors.</summary>
    public static FolderMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = Dxmig.Contracts.DisplayPath.Of(path);
        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        var before = diagnostics.Items.Count;
        SourcePosition At(YamlNode node) => new(display, (int)node.Start.Line, (int)node.Start.Column);
        var roles = new Dictionary<string, MailFolderRole>(StringComparer.Ordinal);
        var targets = new Dictionary<MailFolderRole, string>(Default.Targets);
        var renames = new List<(Regex, string)>();
        var refused = Default.RefusedCharacters;
        var replacement = Default.Replacement;
        var reserved = DefaultReservedNames;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "roles" when value is YamlMappingNode map:
                    foreach (var (name, role) in map.Children)
                    {
                        if (role is YamlScalarNode { Value: { } word } && RoleWords.TryGetValue(word, out var parsed))
                        {
                            roles[((YamlScalarNode)name).Value ?? string.Empty] = parsed;
                        }
                        else
                        {
                            diagnostics.Error(At(role), $"役割は {string.Join(", ", RoleWords.Keys)} のどれかです", $"a role is one of {string.Join(", ", RoleWords.Keys)}");
                        }
                    }

                    break;
                case "targets" when value is YamlMappingNode map:
                    foreach (var (roleNode, name) in map.Children)
                    {
                        if (roleNode is YamlScalarNode { Value: { } word } && RoleWords.TryGetValue(word, out var parsed) && name is YamlScalarNode { Value: { Length: > 0 } folder })
                        {
                            targets[parsed] = folder;
                        }
                        else
                        {
                            diagnostics.Error(At(roleNode), "targets には 役割: フォルダ名 を書きます", "targets maps a role to a folder name");
                        }
                    }

                    break;
                case "renames" when value is YamlSequenceNode list:
                    foreach (var entry in list.Children)
                    {
                        var match = (entry as YamlMappingNode)?.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "match" }).Value as YamlScalarNode;
                        var replace = (entry as YamlMappingNode)?.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "replace" }).Value as YamlScalarNode;
                        if (match?.Value is null || replace?.Value is null)
                        {
                            diagnostics.Error(At(entry), "renames の各項目には match と replace が必要です", "each rename needs 'match' and 'replace'");
                            continue;
                        }

                        try
                        {
                            renames.Add((new Regex(match.Value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), replace.Value));
                        }
                        catch (ArgumentException ex)
                        {
                            diagnostics.Error(At(match), $"正規表現が不正です: {ex.Message}", $"not a valid regular expression: {ex.Message}");
                        }
                    }

                    break;
                case "refused-characters" when value is YamlScalarNode chars:
                    refused = chars.Value ?? string.Empty;
                    break;
                case "replacement" when value is YamlScalarNode chars:
                    replacement = chars.Value ?? string.Empty;
                    break;
                case "reserved-names" when value is YamlSequenceNode names:
                    reserved = [.. names.Children.OfType<YamlScalarNode>().Select(n => n.Value ?? string.Empty).Where(n => n.Length > 0)];
                    break;
                default:
                    diagnostics.Error(At(keyNode), $"不明なキー '{key}' (roles, targets, renames, refused-characters, replacement, reserved-names)", $"unknown key '{key}' (roles, targets, renames, refused-characters, replacement, reserved-names)");
                    break;
            }
        }

        return diagnostics.Items.Count > before ? null : new FolderMap(roles, targets, renames, refused, replacement, reserved);
    }
}

using Dxmig.Contracts;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.Mobile;

/// <summary>One Entra ID security group dxmig keeps: its key (<c>all</c>, a system key, <c>dept:{code}</c>), display name and mail nickname.</summary>
public sealed record TeleworkGroup(string Key, string DisplayName, string MailNickname);

/// <summary>
/// mappings/telework-groups.yaml: the group every permitted person is in (<c>all-users</c>), one group per system with
/// the names the lists use for it (<c>systems</c>), and the per-department group names (<c>departments</c>:
/// <c>{code}</c> and <c>{name}</c> are replaced). Mail nicknames must be ASCII without spaces (Graph's rule).
/// </summary>
public sealed class TeleworkGroupMap
{
    private readonly Dictionary<string, TeleworkGroup> systemsByName;

    private TeleworkGroupMap(TeleworkGroup all, Dictionary<string, TeleworkGroup> systemsByName, string? departmentName, string? departmentNickname)
    {
        All = all;
        this.systemsByName = systemsByName;
        DepartmentName = departmentName;
        DepartmentNickname = departmentNickname;
    }

    public TeleworkGroup All { get; }

    public string? DepartmentName { get; }

    public string? DepartmentNickname { get; }

    /// <summary>Every system group, once.</summary>
    public IEnumerable<TeleworkGroup> Systems => systemsByName.Values.Distinct();

    public static TeleworkGroupMap Create(TeleworkGroup all, IEnumerable<(string Name, TeleworkGroup Group)> systems, string? departmentName, string? departmentNickname) =>
        new(all, systems.ToDictionary(s => s.Name, s => s.Group, StringComparer.Ordinal), departmentName, departmentNickname);

    /// <summary>The group of a system as a list names it (trimmed, NFKC), or null.</summary>
    public TeleworkGroup? System(string name) => systemsByName.GetValueOrDefault(MobileCsvRows.NormalizeKey(name));

    /// <summary>The group of a department, or null when the map has no department groups.</summary>
    public TeleworkGroup? Department(string code, string name) =>
        DepartmentName is null || DepartmentNickname is null
            ? null
            : new TeleworkGroup("dept:" + code, Fill(DepartmentName, code, name), Fill(DepartmentNickname, code, name));

    /// <summary>Whether a mail nickname is one Graph takes: 1–64 ASCII characters, none of <c>@ () \ [] " ; : &lt;&gt; ,</c> or space.</summary>
    public static bool ValidNickname(string nickname) =>
        nickname.Length is > 0 and <= 64 && nickname.All(ch => ch is > ' ' and < (char)127 && !"@()\\[]\";:<>,".Contains(ch, StringComparison.Ordinal));

    /// <summary>Reads the map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static TeleworkGroupMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = Dxmig.Contracts.DisplayPath.Of(path);
        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        var before = diagnostics.Items.Count;
        SourcePosition At(YamlNode node) => new(display, (int)node.Start.Line, (int)node.Start.Column);
        YamlNode? Child(YamlMappingNode node, string key) => node.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: var k } && k == key).Value;
        TeleworkGroup? Group(YamlNode? node, string key, YamlNode parent)
        {
            if (node is not YamlMappingNode m || Child(m, "group") is not YamlScalarNode { Value: { Length: > 0 } name } || Child(m, "nickname") is not YamlScalarNode { Value: { } nickname })
            {
                diagnostics.Error(At(node ?? parent), $"'{key}' には group (表示名) と nickname (英数字) が必要です", $"'{key}' needs 'group' (display name) and 'nickname' (ASCII)");
                return null;
            }

            if (!ValidNickname(nickname))
            {
                diagnostics.Error(At(m), $"'{key}' の nickname '{nickname}' は半角英数字 64 文字以内 (空白・@ などを除く) にしてください", $"'{key}' nickname '{nickname}' must be 1-64 ASCII characters without spaces, @ () \\ [] \" ; : <> ,");
                return null;
            }

            return new TeleworkGroup(key, name, nickname);
        }

        var all = Group(Child(root, "all-users"), "all", root);
        var systems = new List<(string, TeleworkGroup)>();
        if (Child(root, "systems") is not YamlMappingNode systemsNode)
        {
            diagnostics.Error(At(root), "'systems' (システムごとのグループ) がありません", "'systems' (a group per system) is missing");
        }
        else
        {
            foreach (var (keyNode, value) in systemsNode.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
                var group = Group(value, key, keyNode);
                var names = value is YamlMappingNode m && Child(m, "names") is YamlSequenceNode list
                    ? list.Children.OfType<YamlScalarNode>().Select(s => MobileCsvRows.NormalizeKey(s.Value ?? string.Empty)).Where(s => s.Length > 0).ToList()
                    : [];
                if (names.Count == 0)
                {
                    diagnostics.Error(At(keyNode), $"'{key}' に一覧での呼び名 (names) がありません", $"'{key}' lists no names (how the permission lists write the system)");
                }

                systems.AddRange(group is null ? [] : names.Select(n => (n, group)));
            }
        }

        string? departmentName = null, departmentNickname = null;
        if (Child(root, "departments") is YamlMappingNode departments)
        {
            departmentName = (Child(departments, "group") as YamlScalarNode)?.Value;
            departmentNickname = (Child(departments, "nickname") as YamlScalarNode)?.Value;
            if (departmentName is null || departmentNickname is null || !ValidNickname(Fill(departmentNickname, "000", "x")))
            {
                diagnostics.Error(At(departments), "'departments' には group と nickname ({code} と {name} が使えます; nickname は半角英数字) が必要です",
                    "'departments' needs 'group' and 'nickname' ({code} and {name} are replaced; the nickname must be ASCII)");
            }
        }

        return diagnostics.Items.Count > before || all is null
            ? null
            : Create(all, systems, departmentName, departmentNickname);
    }

    private static string Fill(string format, string code, string name) =>
        format.Replace("{code}", code, StringComparison.Ordinal).Replace("{name}", name, StringComparison.Ordinal).ToString(CultureInfo.InvariantCulture);
}

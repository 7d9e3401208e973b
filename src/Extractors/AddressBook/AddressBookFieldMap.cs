using Dxmig.Platform.Jobs;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.AddressBook;

/// <summary>
/// Which export column feeds which address-book field (mappings/activemail-addressbook-fields.yaml), so a site whose
/// export names its columns differently adapts the file, not the code.
/// </summary>
public sealed class AddressBookFieldMap
{
    /// <summary>The fields, in canonical order.</summary>
    public static readonly IReadOnlyList<string> FieldNames =
    [
        "name", "kana", "email", "organization", "department", "title", "phone1", "phone2", "phone3", "fax",
        "postal-code", "prefecture", "city", "street", "url", "memo",
    ];

    private AddressBookFieldMap(IReadOnlyDictionary<string, FieldRule> fields) => Fields = fields;

    public IReadOnlyDictionary<string, FieldRule> Fields { get; }

    /// <summary>The map Active! Mail's own export needs (the same as the shipped mapping file).</summary>
    public static AddressBookFieldMap Default { get; } = new(new Dictionary<string, FieldRule>
    {
        ["name"] = new(["名前", "氏名"], true),
        ["kana"] = new(["ふりがな", "フリガナ", "よみがな"], false),
        ["email"] = new(["メールアドレス", "電子メールアドレス", "E-mail"], true),
        ["organization"] = new(["組織名", "会社名"], false),
        ["department"] = new(["部署", "部署名"], false),
        ["title"] = new(["役職"], false),
        ["phone1"] = new(["電話1", "電話番号1"], false),
        ["phone2"] = new(["電話2", "電話番号2"], false),
        ["phone3"] = new(["電話3", "電話番号3"], false),
        ["fax"] = new(["FAX", "ファックス"], false),
        ["postal-code"] = new(["郵便番号"], false),
        ["prefecture"] = new(["都道府県"], false),
        ["city"] = new(["市区町村"], false),
        ["street"] = new(["番地", "住所"], false),
        ["url"] = new(["URL", "ホームページ"], false),
        ["memo"] = new(["メモ", "備考"], false),
    });

    /// <summary>Reads a field map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static AddressBookFieldMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var display = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        if (YamlFile.Load(path, display, diagnostics) is not { } root)
        {
            return null;
        }

        if (root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: "fields" }).Value is not YamlMappingNode fieldsNode)
        {
            diagnostics.Error(new SourcePosition(display, (int)root.Start.Line, (int)root.Start.Column), "'fields' がありません", "'fields' is missing");
            return null;
        }

        var fields = new Dictionary<string, FieldRule>(StringComparer.Ordinal);
        var errors = diagnostics.Items.Count;
        foreach (var (keyNode, valueNode) in fieldsNode.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            var at = new SourcePosition(display, (int)keyNode.Start.Line, (int)keyNode.Start.Column);
            if (!FieldNames.Contains(key))
            {
                diagnostics.Error(at, $"不明な項目 '{key}' です。使える項目: {string.Join(", ", FieldNames)}", $"unknown field '{key}'; fields: {string.Join(", ", FieldNames)}");
                continue;
            }

            if (valueNode is not YamlMappingNode rule)
            {
                diagnostics.Error(at, $"'{key}' は columns と required で書いてください", $"'{key}' needs 'columns' and optionally 'required'");
                continue;
            }

            var columns = new List<string>();
            var required = false;
            foreach (var (ruleKey, ruleValue) in rule.Children)
            {
                var name = (ruleKey as YamlScalarNode)?.Value;
                var ruleAt = new SourcePosition(display, (int)ruleKey.Start.Line, (int)ruleKey.Start.Column);
                switch (name)
                {
                    case "columns" when ruleValue is YamlSequenceNode list:
                        columns.AddRange(list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).Where(s => s.Length > 0));
                        break;
                    case "columns" when ruleValue is YamlScalarNode one:
                        columns.Add(one.Value ?? string.Empty);
                        break;
                    case "required" when ruleValue is YamlScalarNode flag && bool.TryParse(flag.Value, out var value):
                        required = value;
                        break;
                    default:
                        diagnostics.Error(ruleAt, $"'{key}.{name}' が不正です (columns: 列名の一覧, required: true/false)", $"'{key}.{name}' is not valid (columns: list of headers, required: true/false)");
                        break;
                }
            }

            if (columns.Count == 0)
            {
                diagnostics.Error(at, $"'{key}' に列名 (columns) がありません", $"'{key}' names no columns");
                continue;
            }

            fields[key] = new FieldRule(columns, required);
        }

        if (!fields.ContainsKey("name") && !fields.ContainsKey("email"))
        {
            diagnostics.Error(new SourcePosition(display, (int)fieldsNode.Start.Line, (int)fieldsNode.Start.Column),
                "'name' か 'email' の列が必要です (連絡先の識別に使います)", "'name' or 'email' must be mapped (they identify a contact)");
        }

        return diagnostics.Items.Count > errors ? null : new AddressBookFieldMap(fields);
    }
}

/// <summary>The headers one field may come from, and whether the export must have one of them.</summary>
public sealed record FieldRule(IReadOnlyList<string> Columns, bool Required);

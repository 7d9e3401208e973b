using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// Reads the <c>fields:</c> section every CSV field map in mappings/ shares: per field, the header texts accepted
/// (<c>columns</c>) and whether the export must have one (<c>required</c>). Every problem goes to the diagnostics
/// with file:line, and unknown fields are named with the list of known ones.
/// </summary>
public static class CsvFieldMapFile
{
    /// <summary>The fields read, and the document's root for further sections; null when the file has errors.</summary>
    public static (Dictionary<string, FieldRule> Fields, YamlMappingNode Root, string Display)? Load(
        string path, IReadOnlyList<string> fieldNames, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(fieldNames);
        var display = Dxmig.Contracts.DisplayPath.Of(path);
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
            if (!fieldNames.Contains(key))
            {
                diagnostics.Error(at, $"不明な項目 '{key}' です。使える項目: {string.Join(", ", fieldNames)}", $"unknown field '{key}'; fields: {string.Join(", ", fieldNames)}");
                continue;
            }

            if (valueNode is not YamlMappingNode rule)
            {
                diagnostics.Error(at, $"'{key}' は columns と required で書いてください", $"'{key}' needs 'columns' and optionally 'required'");
                continue;
            }

            if (ReadRule(display, key, at, rule, diagnostics) is { } read)
            {
                fields[key] = read;
            }
        }

        return diagnostics.Items.Count > errors ? null : (fields, root, display);
    }

    private static FieldRule? ReadRule(string display, string key, SourcePosition at, YamlMappingNode rule, DiagnosticBag diagnostics)
    {
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
            return null;
        }

        return new FieldRule(columns, required);
    }
}

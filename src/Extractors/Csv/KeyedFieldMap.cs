using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.Csv;

/// <summary>
/// Which export column feeds which field, for an export whose rows have a natural key (mappings/cess-schedule-fields.yaml,
/// mappings/cess-reservation-fields.yaml): column layouts differ between sites and CESS versions, so a site adapts the
/// file, not the code. The key field must be mapped with <c>required: true</c>.
/// </summary>
public sealed class KeyedFieldMap
{
    private KeyedFieldMap(IReadOnlyList<string> fieldNames, string keyField, IReadOnlyDictionary<string, FieldRule> fields)
    {
        FieldNames = fieldNames;
        KeyField = keyField;
        Fields = fields;
    }

    /// <summary>The fields this kind of export can have, in canonical order.</summary>
    public IReadOnlyList<string> FieldNames { get; }

    public string KeyField { get; }

    public IReadOnlyDictionary<string, FieldRule> Fields { get; }

    public static KeyedFieldMap Create(IReadOnlyList<string> fieldNames, string keyField, IReadOnlyDictionary<string, FieldRule> fields) =>
        new(fieldNames, keyField, fields);

    /// <summary>Reads a field map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static KeyedFieldMap? Load(string path, IReadOnlyList<string> fieldNames, string keyField, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (CsvFieldMapFile.Load(path, fieldNames, diagnostics) is not (var fields, YamlMappingNode _, var display))
        {
            return null;
        }

        if (!fields.TryGetValue(keyField, out var key) || !key.Required)
        {
            diagnostics.Error(new SourcePosition(display, 1, 1),
                $"'{keyField}' を required: true で対応付けてください (行の識別に使います)",
                $"'{keyField}' must be mapped with required: true (it identifies a row)");
            return null;
        }

        return new KeyedFieldMap(fieldNames, keyField, fields);
    }
}

using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Which column of the CESS document metadata CSV feeds which field (mappings/cess-document-fields.yaml). <c>path</c>
/// (the file's path in the export folder) is always required: it ties a row to its file.
/// </summary>
public sealed class DocumentFieldMap
{
    /// <summary>The fields, in canonical order.</summary>
    public static readonly IReadOnlyList<string> FieldNames = ["path", "owner", "created", "modified", "title"];

    private DocumentFieldMap(IReadOnlyDictionary<string, FieldRule> fields) => Fields = fields;

    public IReadOnlyDictionary<string, FieldRule> Fields { get; }

    /// <summary>The map the generated sample exports need (the same as the shipped mapping file).</summary>
    public static DocumentFieldMap Default { get; } = new(new Dictionary<string, FieldRule>
    {
        ["path"] = new(["パス", "ファイルパス", "文書パス"], true),
        ["owner"] = new(["所有者職員番号", "所有者", "登録者職員番号", "登録者"], true),
        ["created"] = new(["作成日時", "登録日時", "作成日"], false),
        ["modified"] = new(["更新日時", "最終更新日時", "更新日"], false),
        ["title"] = new(["表題", "タイトル", "件名"], false),
    });

    /// <summary>Reads a field map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static DocumentFieldMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (CsvFieldMapFile.Load(path, FieldNames, diagnostics) is not (var fields, YamlMappingNode _, var display))
        {
            return null;
        }

        if (!fields.TryGetValue("path", out var key) || !key.Required)
        {
            diagnostics.Error(new SourcePosition(display, 1, 1),
                "'path' (パス) を required: true で対応付けてください (行とファイルを結び付けます)",
                "'path' must be mapped with required: true (it ties a row to its file)");
            return null;
        }

        return new DocumentFieldMap(fields);
    }
}

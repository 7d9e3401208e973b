using Dxmig.Contracts;
using Dxmig.Extractors.AddressBook;
using Dxmig.Extractors.Csv;
using YamlDotNet.RepresentationModel;

namespace Dxmig.Extractors.Cess;

/// <summary>
/// Which CESS staff-directory column feeds which field (mappings/cess-staff-fields.yaml): column layouts differ
/// between sites and CESS versions, so a site adapts the file, not the code. <c>employee-id</c> is always required.
/// </summary>
public sealed class StaffFieldMap
{
    /// <summary>The fields, in canonical order.</summary>
    public static readonly IReadOnlyList<string> FieldNames =
    [
        "employee-id", "name", "kana", "romaji", "department-code", "department-name", "title", "phone", "extension",
        "email", "office", "start-date",
    ];

    private StaffFieldMap(IReadOnlyDictionary<string, FieldRule> fields) => Fields = fields;

    public IReadOnlyDictionary<string, FieldRule> Fields { get; }

    /// <summary>The map the generated sample exports need (the same as the shipped mapping file).</summary>
    public static StaffFieldMap Default { get; } = new(new Dictionary<string, FieldRule>
    {
        ["employee-id"] = new(["職員番号", "職員コード", "職員ID"], true),
        ["name"] = new(["氏名", "職員氏名"], true),
        ["kana"] = new(["氏名カナ", "フリガナ", "氏名かな"], false),
        ["romaji"] = new(["氏名ローマ字", "ローマ字氏名"], false),
        ["department-code"] = new(["所属コード"], true),
        ["department-name"] = new(["所属名", "所属"], false),
        ["title"] = new(["役職", "職名"], false),
        ["phone"] = new(["電話", "電話番号", "直通電話"], false),
        ["extension"] = new(["内線", "内線番号"], false),
        ["email"] = new(["メール", "メールアドレス"], false),
        ["office"] = new(["勤務場所", "庁舎"], false),
        ["start-date"] = new(["着任日", "発令日"], false),
    });

    /// <summary>Reads a field map; every problem goes to <paramref name="diagnostics"/> with file:line.</summary>
    public static StaffFieldMap? Load(string path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        if (CsvFieldMapFile.Load(path, FieldNames, diagnostics) is not (var fields, YamlMappingNode _, var display))
        {
            return null;
        }

        if (!fields.TryGetValue("employee-id", out var id) || !id.Required)
        {
            diagnostics.Error(new SourcePosition(display, 1, 1),
                "'employee-id' (職員番号) を required: true で対応付けてください (職員の識別に使います)",
                "'employee-id' must be mapped with required: true (it identifies a staff member)");
            return null;
        }

        return new StaffFieldMap(fields);
    }
}

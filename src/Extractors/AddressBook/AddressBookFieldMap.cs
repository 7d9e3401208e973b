using Dxmig.Contracts;
using Dxmig.Extractors.Csv;

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
        if (CsvFieldMapFile.Load(path, FieldNames, diagnostics) is not (var fields, _, var display))
        {
            return null;
        }

        var errors = diagnostics.Items.Count;
        if (!fields.ContainsKey("name") && !fields.ContainsKey("email"))
        {
            diagnostics.Error(new SourcePosition(display, 1, 1),
                "'name' か 'email' の列が必要です (連絡先の識別に使います)", "'name' or 'email' must be mapped (they identify a contact)");
        }

        return diagnostics.Items.Count > errors ? null : new AddressBookFieldMap(fields);
    }
}

/// <summary>The headers one field may come from, and whether the export must have one of them.</summary>
public sealed record FieldRule(IReadOnlyList<string> Columns, bool Required);

namespace Dxmig.Contracts.Records;

/// <summary>
/// One row of an Active! Mail personal address book export, as the export holds it (decoded text, nothing
/// normalised). Columns: 名前, ふりがな, メールアドレス, 組織名, 部署, 役職, 電話1–3, FAX, 郵便番号, 都道府県, 市区町村, 番地, URL, メモ.
/// </summary>
public sealed record AddressBookEntry
{
    public required string File { get; init; }

    public required int Line { get; init; }

    public string Name { get; init; } = string.Empty;

    public string Kana { get; init; } = string.Empty;

    public string Email { get; init; } = string.Empty;

    public string Organization { get; init; } = string.Empty;

    public string Department { get; init; } = string.Empty;

    public string Title { get; init; } = string.Empty;

    public string Phone1 { get; init; } = string.Empty;

    public string Phone2 { get; init; } = string.Empty;

    public string Phone3 { get; init; } = string.Empty;

    public string Fax { get; init; } = string.Empty;

    public string PostalCode { get; init; } = string.Empty;

    public string Prefecture { get; init; } = string.Empty;

    public string City { get; init; } = string.Empty;

    public string Street { get; init; } = string.Empty;

    public string Url { get; init; } = string.Empty;

    public string Memo { get; init; } = string.Empty;

    /// <summary>The fields in their canonical order (hashing, comparisons).</summary>
    public IEnumerable<string> Fields() =>
    [
        Name, Kana, Email, Organization, Department, Title, Phone1, Phone2, Phone3, Fax, PostalCode, Prefecture, City, Street, Url, Memo,
    ];
}

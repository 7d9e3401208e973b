namespace Dxmig.Contracts.Records;

/// <summary>
/// A contact as it is loaded: the original text of every field kept, beside the normalised forms (kana, phone numbers
/// in E.164, mail address, postal code) and the 外字 found in it.
/// </summary>
public sealed record ContactRecord
{
    /// <summary>The source account whose address book holds the contact.</summary>
    public required string OwnerAccount { get; init; }

    /// <summary>The owner's target address (identity map), when the job has one.</summary>
    public string? OwnerTarget { get; init; }

    public required string SourceSystem { get; init; }

    public required string SourceNativeId { get; init; }

    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }

    public required AddressBookEntry Original { get; init; }

    /// <summary>The name to show: the original with mapped 外字 replaced.</summary>
    public required string DisplayName { get; init; }

    /// <summary>ふりがな normalised to full-width hiragana with single spaces.</summary>
    public string? KanaNormalized { get; init; }

    public string? EmailNormalized { get; init; }

    public string? Phone1E164 { get; init; }

    public string? Phone2E164 { get; init; }

    public string? Phone3E164 { get; init; }

    public string? FaxE164 { get; init; }

    public string? PostalCodeNormalized { get; init; }

    /// <summary>Private-use code points (外字) found in any field, as "U+E000 U+E001"; null when none.</summary>
    public string? Gaiji { get; init; }

    /// <summary>True when some 外字 had no entry in the mapping table.</summary>
    public bool HasUnmappedGaiji { get; init; }
}

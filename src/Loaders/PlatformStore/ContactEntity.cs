namespace Dxmig.Loaders.PlatformStore;

/// <summary>A row of the platform store's <c>contacts</c> table: original text and normalised forms.</summary>
public sealed class ContactEntity
{
    public long Id { get; set; }

    public required string SourceSystem { get; set; }

    public required string OwnerAccount { get; set; }

    public required string SourceNativeId { get; set; }

    public string? OwnerTarget { get; set; }

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public required string DisplayName { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Kana { get; set; } = string.Empty;

    public string? KanaNormalized { get; set; }

    public string Email { get; set; } = string.Empty;

    public string? EmailNormalized { get; set; }

    public string Organization { get; set; } = string.Empty;

    public string Department { get; set; } = string.Empty;

    public string Title { get; set; } = string.Empty;

    public string Phone1 { get; set; } = string.Empty;

    public string? Phone1E164 { get; set; }

    public string Phone2 { get; set; } = string.Empty;

    public string? Phone2E164 { get; set; }

    public string Phone3 { get; set; } = string.Empty;

    public string? Phone3E164 { get; set; }

    public string Fax { get; set; } = string.Empty;

    public string? FaxE164 { get; set; }

    public string PostalCode { get; set; } = string.Empty;

    public string? PostalCodeNormalized { get; set; }

    public string Prefecture { get; set; } = string.Empty;

    public string City { get; set; } = string.Empty;

    public string Street { get; set; } = string.Empty;

    public string Url { get; set; } = string.Empty;

    public string Memo { get; set; } = string.Empty;

    public string? Gaiji { get; set; }

    public bool HasUnmappedGaiji { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

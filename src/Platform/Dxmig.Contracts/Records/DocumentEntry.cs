namespace Dxmig.Contracts.Records;

/// <summary>
/// One file of a CESS shared-documents export (文書共有) with its row of the metadata CSV, as the source holds them:
/// the path relative to the export folder ('/' separated, NFC), the file's size and hashes (read once, streamed), and
/// the metadata's text, nothing parsed. The bytes stay in the file (<see cref="FullPath"/>) until the loader streams them.
/// </summary>
public sealed record DocumentEntry
{
    /// <summary>Path relative to the export folder, '/' separated: the natural key.</summary>
    public required string RelativePath { get; init; }

    public required string FullPath { get; init; }

    public long Size { get; init; }

    /// <summary>SHA-256 of the bytes (lower-case hex).</summary>
    public string Sha256 { get; init; } = string.Empty;

    /// <summary>The hash Graph shows for the file on SharePoint/OneDrive (base64).</summary>
    public string QuickXorHash { get; init; } = string.Empty;

    /// <summary>The metadata CSV and the line of this file's row ("" and 0 for a removal).</summary>
    public string MetadataFile { get; init; } = string.Empty;

    public int Line { get; init; }

    /// <summary>Owner's employee id (職員番号) as the CSV writes it.</summary>
    public string Owner { get; init; } = string.Empty;

    public string Created { get; init; } = string.Empty;

    public string Modified { get; init; } = string.Empty;

    public string Title { get; init; } = string.Empty;

    /// <summary>The file system's own last-write time, used when the CSV gives no modified time.</summary>
    public DateTimeOffset FileModified { get; init; }

    /// <summary>The fields the content hash covers, in canonical order (bytes and metadata: a changed date is a change).</summary>
    public IEnumerable<string> Fields() => [RelativePath, Sha256, Owner, Created, Modified, Title];
}

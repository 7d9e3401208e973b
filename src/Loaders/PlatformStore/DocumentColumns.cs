namespace Dxmig.Loaders.PlatformStore;

/// <summary>
/// The columns of a document row, shared by <c>documents</c> and <c>documents_staging</c>: where the file was, what it
/// was renamed to, whose it is, its size, hashes and times, and the drive item it became.
/// </summary>
public abstract class DocumentColumns
{
    /// <summary>Path in the CESS export folder: the natural key.</summary>
    public required string SourcePath { get; set; }

    /// <summary>Path on the target after SharePoint's name rules.</summary>
    public required string TargetPath { get; set; }

    /// <summary>The renames made ("a:b.txt → a：b.txt (invalid-character)"), or null.</summary>
    public string? RenamedFrom { get; set; }

    public required string OwnerEmployeeId { get; set; }

    public required string OwnerUpn { get; set; }

    public string Title { get; set; } = string.Empty;

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    public required string QuickXorHash { get; set; }

    public DateTime DocumentCreatedUtc { get; set; }

    public DateTime DocumentModifiedUtc { get; set; }

    /// <summary>The drive item on OneDrive/SharePoint, when the job loads Graph too.</summary>
    public string? DriveItemId { get; set; }

    public required string ContentHash { get; set; }

    public required string SourceLocation { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A row of the platform store's <c>documents</c> table.</summary>
public sealed class DocumentEntity : DocumentColumns;

/// <summary>A row of <c>documents_staging</c>: one loader batch, bulk-copied, then upserted into <c>documents</c> and removed.</summary>
public sealed class DocumentStagingEntity : DocumentColumns
{
    public required string BatchId { get; set; }
}

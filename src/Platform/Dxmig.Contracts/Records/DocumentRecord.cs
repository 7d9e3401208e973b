namespace Dxmig.Contracts.Records;

/// <summary>
/// A document ready to load: where it goes (<see cref="TargetPath"/>, after SharePoint's name rules; the renames made on
/// the way in <see cref="Renames"/>), whose it is (employee id and UPN), its times in UTC, and the hashes. For a
/// removal only <see cref="SourcePath"/> is meaningful.
/// </summary>
public sealed record DocumentRecord
{
    public required string SourcePath { get; init; }

    /// <summary>Path under the target's document folder, '/' separated, every segment a name SharePoint takes.</summary>
    public required string TargetPath { get; init; }

    public required string ContentHash { get; init; }

    public required string SourceLocation { get; init; }

    public required DocumentEntry Original { get; init; }

    public string OwnerEmployeeId { get; init; } = string.Empty;

    public string OwnerUpn { get; init; } = string.Empty;

    public DateTime CreatedUtc { get; init; }

    public DateTime ModifiedUtc { get; init; }

    /// <summary>Each rename: the segment as the source has it, what it became, and the rule.</summary>
    public IReadOnlyList<DocumentRename> Renames { get; init; } = [];

    /// <summary>The drive item the document became (set by the Graph loader for the platform store's row).</summary>
    public string? DriveItemId { get; init; }

    /// <summary>One line naming the renames ("a:b.txt → a：b.txt (invalid-character)"), or null when nothing was renamed.</summary>
    public string? RenameNote => Renames.Count == 0 ? null : string.Join("; ", Renames.Select(r => $"{r.From} → {r.To} ({r.Rule})"));
}

/// <summary>One segment renamed by a SharePoint name rule.</summary>
public sealed record DocumentRename(string From, string To, string Rule);

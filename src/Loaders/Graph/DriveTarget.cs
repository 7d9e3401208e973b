namespace Dxmig.Loaders.Graph;

/// <summary>Which drive documents go to: each owner's OneDrive, one drive (a document library) by id, or a SharePoint site's library.</summary>
public enum DriveKind
{
    /// <summary><c>/users/{owner's UPN}/drive</c>.</summary>
    Owner,

    /// <summary><c>/drives/{drive-id}</c> (a document library).</summary>
    Drive,

    /// <summary>A site by id or <c>hostname:/path</c>: its default library (<c>/sites/{site-id}/drive</c>) or the one named by <see cref="DriveTarget.Library"/>.</summary>
    Site,
}

/// <summary>
/// Where and how the drive loader writes: the drive, the folder under its root that receives the export's tree, the
/// size from which a file goes through an upload session instead of one PUT, the fragment size (a multiple of 320 KiB,
/// at most 60 MiB), and the file that keeps open upload sessions between runs (so a killed run resumes the upload).
/// </summary>
public sealed record DriveTarget
{
    public const int FragmentUnit = 320 * 1024;

    public const int MaxFragmentBytes = 60 * 1024 * 1024;

    public required DriveKind Kind { get; init; }

    /// <summary>
    /// The drive id (<see cref="DriveKind.Drive"/>), or the site (<see cref="DriveKind.Site"/>): its id
    /// (<c>hostname,siteCollectionId,webId</c>) or <c>hostname:/server-relative-path</c>.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>The name of the site's document library (<see cref="DriveKind.Site"/>); null: the site's default library.</summary>
    public string? Library { get; init; }

    /// <summary>"site pref.sharepoint.com:/sites/somu library 共有ドキュメント", for reports and messages.</summary>
    public string Describe() => Kind switch
    {
        DriveKind.Owner => "owner OneDrive",
        DriveKind.Drive => $"drive {Id}",
        _ => Library is null ? $"site {Id}" : $"site {Id} library {Library}",
    };

    /// <summary>Folder under the drive's root ('/' separated; empty: the root itself).</summary>
    public string Folder { get; init; } = string.Empty;

    /// <summary>Files up to this size go in one PUT; larger ones through an upload session (Graph: PUT up to 250 MB, sessions advised above 4 MB).</summary>
    public long SmallFileLimit { get; init; } = 4 * 1024 * 1024;

    public int FragmentBytes { get; init; } = 10 * FragmentUnit;

    /// <summary>Open upload sessions (their URLs are pre-authenticated: the file is the owner's alone). Null: not kept.</summary>
    public string? ResumeFile { get; init; }

    /// <summary>
    /// The Graph path of the drive a document of this owner goes to, as written (a site by <c>hostname:/path</c> or a
    /// named library is found by <see cref="DriveLocator"/> first).
    /// </summary>
    public string DriveBase(string ownerUpn) => Kind switch
    {
        DriveKind.Owner => "/users/" + Uri.EscapeDataString(ownerUpn) + "/drive",
        DriveKind.Drive => "/drives/" + Uri.EscapeDataString(Id ?? string.Empty),
        _ => "/sites/" + Uri.EscapeDataString(Id ?? string.Empty) + "/drive",
    };
}

namespace Dxmig.GraphEmulator.Store;

/// <summary>
/// A SharePoint site: its id in Graph's composite form (<c>{hostname},{siteCollectionId},{webId}</c>), its
/// server-relative path (<c>/sites/somu</c>; <c>/</c> for the host's root site), and its document libraries (drives),
/// the first of which is the site's default <c>drive</c>.
/// </summary>
internal sealed class SiteEntity
{
    public required string Hostname { get; init; }

    public required Guid CollectionId { get; init; }

    public required Guid WebId { get; init; }

    public required string ServerRelativePath { get; init; }

    public required string DisplayName { get; init; }

    public required DateTimeOffset Created { get; init; }

    public string Id => $"{Hostname},{CollectionId:D},{WebId:D}";

    /// <summary>The last segment of the path (the host name for a root site).</summary>
    public string Name => ServerRelativePath == "/" ? Hostname : ServerRelativePath[(ServerRelativePath.LastIndexOf('/') + 1)..];

    /// <summary>The libraries in the order they were made; the first is the default.</summary>
    public List<DriveEntity> Drives { get; } = [];
}

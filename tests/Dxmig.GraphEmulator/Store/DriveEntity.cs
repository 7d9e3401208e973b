namespace Dxmig.GraphEmulator.Store;

/// <summary>One drive (a user's OneDrive or a document library): its items by id, the root among them.</summary>
internal sealed class DriveEntity
{
    private long _sequence;

    public DriveEntity(string id, string name, string? ownerUpn, DateTimeOffset now)
    {
        Id = id;
        Name = name;
        OwnerUpn = ownerUpn;
        Root = new DriveItemEntity
        {
            Id = NewItemId(),
            Name = "root",
            IsFolder = true,
            Created = now,
            LastModified = now,
            FileSystemCreated = now,
            FileSystemModified = now,
        };
        Items[Root.Id] = Root;
    }

    public string Id { get; }

    public string Name { get; }

    /// <summary>The user whose OneDrive this is; null for a document library.</summary>
    public string? OwnerUpn { get; }

    /// <summary>The composite id of the site whose library this is; null for a OneDrive or a library added alone.</summary>
    public string? SiteId { get; init; }

    public DriveItemEntity Root { get; }

    public Dictionary<string, DriveItemEntity> Items { get; } = new(StringComparer.Ordinal);

    public Lock Gate { get; } = new();

    public long NextSequence() => ++_sequence;

    /// <summary>Item ids shaped like SharePoint's (01 + 32 base32 characters).</summary>
    public static string NewItemId() => "01" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToUpperInvariant();

    public IEnumerable<DriveItemEntity> ChildrenOf(string id) =>
        Items.Values.Where(i => i.ParentId == id).OrderBy(i => i.Sequence);

    /// <summary>A child by name, compared as SharePoint compares names (case-insensitive).</summary>
    public DriveItemEntity? Child(string parentId, string name) =>
        Items.Values.FirstOrDefault(i => i.ParentId == parentId && string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>"/folder/sub/file.txt" below the root (the root is "").</summary>
    public string PathOf(DriveItemEntity item)
    {
        var parts = new List<string>();
        for (var current = item; current.ParentId is not null; current = Items[current.ParentId])
        {
            parts.Add(current.Name);
        }

        parts.Reverse();
        return parts.Count == 0 ? "" : "/" + string.Join('/', parts);
    }
}

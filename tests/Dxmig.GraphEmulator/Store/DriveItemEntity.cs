namespace Dxmig.GraphEmulator.Store;

/// <summary>A file or folder of a drive. Guarded by its drive's <see cref="DriveEntity.Gate"/>.</summary>
internal sealed class DriveItemEntity
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    /// <summary>Null for the root.</summary>
    public string? ParentId { get; set; }

    public required bool IsFolder { get; init; }

    public byte[] Bytes { get; set; } = [];

    public string QuickXorHash { get; set; } = "";

    public required DateTimeOffset Created { get; init; }

    public required DateTimeOffset LastModified { get; set; }

    /// <summary>fileSystemInfo: what the client says about the file on its side (defaults to the service's times).</summary>
    public required DateTimeOffset FileSystemCreated { get; set; }

    public required DateTimeOffset FileSystemModified { get; set; }

    /// <summary>Bumped on every change (eTag); content changes also bump <see cref="ContentVersion"/> (cTag).</summary>
    public int Version { get; set; } = 1;

    public int ContentVersion { get; set; } = 1;

    public long Sequence { get; init; }
}

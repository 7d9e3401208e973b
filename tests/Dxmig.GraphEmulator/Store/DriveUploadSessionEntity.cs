namespace Dxmig.GraphEmulator.Store;

/// <summary>A driveItem upload session: where the file will land, what it will be called, the bytes so far.</summary>
internal sealed class DriveUploadSessionEntity
{
    public required string Id { get; init; }

    /// <summary>The uploadUrl's own token, compared in constant time.</summary>
    public required string Token { get; init; }

    public required DriveEntity Drive { get; init; }

    public required string ParentId { get; init; }

    public required string Name { get; init; }

    public required string ConflictBehavior { get; init; }

    public DateTimeOffset? FileSystemCreated { get; init; }

    public DateTimeOffset? FileSystemModified { get; init; }

    /// <summary>Unknown until the first fragment's Content-Range names the total.</summary>
    public long? Size { get; set; }

    public required DateTimeOffset Expires { get; set; }

    public MemoryStream Buffer { get; } = new();

    public long Received => Buffer.Length;

    public Lock Gate { get; } = new();
}

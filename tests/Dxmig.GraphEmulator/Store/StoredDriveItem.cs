namespace Dxmig.GraphEmulator;

/// <summary>A drive item as a test reads it back: path below the root, bytes, hashes and times.</summary>
public sealed record StoredDriveItem(
    string Id, string Path, string Name, bool IsFolder, byte[] Bytes, string QuickXorHash, DateTimeOffset FileSystemCreated, DateTimeOffset FileSystemModified, int Version);

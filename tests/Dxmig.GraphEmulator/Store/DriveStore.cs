using System.Collections.Concurrent;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator;

/// <summary>
/// The emulator's drives: one OneDrive per user (made when first used, as provisioning would have) and document
/// libraries added by a test; their upload sessions; and the read-back API tests use (snapshots).
/// </summary>
public sealed class DriveStore
{
    private readonly ConcurrentDictionary<string, DriveEntity> _drives = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DriveUploadSessionEntity> _uploads = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Adds a SharePoint document library; returns its drive id.</summary>
    public string AddLibrary(string name, DateTimeOffset now)
    {
        var drive = new DriveEntity("b!" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant(), name, null, now);
        _drives[drive.Id] = drive;
        return drive.Id;
    }

    /// <summary>The drive id of a user's OneDrive (made on first use).</summary>
    public string UserDriveId(StoredUser user, DateTimeOffset now) => ForUser(user.Id, user.UserPrincipalName, now).Id;

    /// <summary>Every file and folder of a drive below its root, in path order.</summary>
    public IReadOnlyList<StoredDriveItem> Items(string driveId)
    {
        var drive = _drives.TryGetValue(driveId, out var d) ? d : throw new ArgumentException($"No such drive: {driveId}", nameof(driveId));
        lock (drive.Gate)
        {
            return [.. drive.Items.Values.Where(i => i.ParentId is not null).Select(i => Snapshot(drive, i)).OrderBy(i => i.Path, StringComparer.Ordinal)];
        }
    }

    /// <summary>One item by its path below the root ("/a/b.txt"), compared case-insensitively, or null.</summary>
    public StoredDriveItem? Item(string driveId, string path) =>
        Items(driveId).FirstOrDefault(i => string.Equals(i.Path, path, StringComparison.OrdinalIgnoreCase));

    /// <summary>Upload sessions neither completed nor cancelled.</summary>
    public int OpenUploadSessions => _uploads.Count;

    internal DriveEntity ForUser(string userId, string upn, DateTimeOffset now)
    {
        lock (_gate)
        {
            var id = "b!u" + userId.Replace("-", "", StringComparison.Ordinal);
            return _drives.GetOrAdd(id, _ => new DriveEntity(id, "OneDrive", upn, now));
        }
    }

    internal DriveEntity? Find(string id) => _drives.TryGetValue(id, out var d) ? d : null;

    internal void AddUpload(DriveUploadSessionEntity session) => _uploads[session.Id] = session;

    internal DriveUploadSessionEntity? FindUpload(string id) => _uploads.TryGetValue(id, out var s) ? s : null;

    internal void RemoveUpload(string id) => _uploads.TryRemove(id, out _);

    private static StoredDriveItem Snapshot(DriveEntity drive, DriveItemEntity i) =>
        new(i.Id, drive.PathOf(i), i.Name, i.IsFolder, [.. i.Bytes], i.QuickXorHash, i.FileSystemCreated, i.FileSystemModified, i.Version);
}

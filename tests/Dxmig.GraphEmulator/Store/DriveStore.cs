using System.Collections.Concurrent;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator;

/// <summary>
/// The emulator's drives: one OneDrive per user (made when first used, as provisioning would have) and document
/// libraries added by a test, alone or in SharePoint sites; their upload sessions; and the read-back API tests use
/// (snapshots).
/// </summary>
public sealed class DriveStore
{
    private readonly ConcurrentDictionary<string, DriveEntity> _drives = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SiteEntity> _sites = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DriveUploadSessionEntity> _uploads = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Adds a SharePoint document library; returns its drive id.</summary>
    public string AddLibrary(string name, DateTimeOffset now)
    {
        var drive = new DriveEntity("b!" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant(), name, null, now);
        _drives[drive.Id] = drive;
        return drive.Id;
    }

    /// <summary>
    /// Adds a SharePoint site at <paramref name="serverRelativePath"/> of <paramref name="hostname"/> (<c>/sites/somu</c>,
    /// or <c>/</c> for the host's root site) with these document libraries (at least one; the first is the site's
    /// default drive, as "Documents" / "ドキュメント" is on a real site).
    /// </summary>
    /// <exception cref="ArgumentException">No library, a path not starting with '/', or a site already at that path.</exception>
    public StoredSite AddSite(string hostname, string serverRelativePath, string displayName, IReadOnlyList<string> libraries, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);
        ArgumentNullException.ThrowIfNull(libraries);
        if (libraries.Count == 0 || !serverRelativePath.StartsWith('/'))
        {
            throw new ArgumentException("a site needs at least one library and a path starting with '/'", nameof(libraries));
        }

        var site = new SiteEntity
        {
            Hostname = hostname.ToLowerInvariant(),
            CollectionId = Guid.NewGuid(),
            WebId = Guid.NewGuid(),
            ServerRelativePath = serverRelativePath.Length > 1 ? serverRelativePath.TrimEnd('/') : serverRelativePath,
            DisplayName = displayName,
            Created = now,
        };
        lock (_gate)
        {
            if (FindSite(site.Hostname, site.ServerRelativePath) is not null)
            {
                throw new ArgumentException($"a site exists at {hostname}{serverRelativePath}", nameof(serverRelativePath));
            }

            foreach (var name in libraries)
            {
                var drive = new DriveEntity("b!" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant(), name, null, now) { SiteId = site.Id };
                site.Drives.Add(drive);
                _drives[drive.Id] = drive;
            }

            _sites[site.Id] = site;
        }

        return new StoredSite(site.Id, site.Hostname, site.ServerRelativePath, site.Drives.ToDictionary(d => d.Name, d => d.Id, StringComparer.Ordinal), site.Drives[0].Id);
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

    internal SiteEntity? FindSite(string id) => _sites.TryGetValue(id, out var s) ? s : null;

    /// <summary>The first site made at '/' of a host (what <c>/sites/root</c> names), or null.</summary>
    internal SiteEntity? RootSite() => _sites.Values.Where(s => s.ServerRelativePath == "/").OrderBy(s => s.Created).FirstOrDefault();

    /// <summary>The site at a server-relative path of a host (both compared case-insensitively, as SharePoint does), or null.</summary>
    internal SiteEntity? FindSite(string hostname, string serverRelativePath) =>
        _sites.Values.FirstOrDefault(s => string.Equals(s.Hostname, hostname, StringComparison.OrdinalIgnoreCase) &&
                                          string.Equals(s.ServerRelativePath, serverRelativePath, StringComparison.OrdinalIgnoreCase));

    internal void AddUpload(DriveUploadSessionEntity session) => _uploads[session.Id] = session;

    internal DriveUploadSessionEntity? FindUpload(string id) => _uploads.TryGetValue(id, out var s) ? s : null;

    internal void RemoveUpload(string id) => _uploads.TryRemove(id, out _);

    private static StoredDriveItem Snapshot(DriveEntity drive, DriveItemEntity i) =>
        new(i.Id, drive.PathOf(i), i.Name, i.IsFolder, [.. i.Bytes], i.QuickXorHash, i.FileSystemCreated, i.FileSystemModified, i.Version);
}

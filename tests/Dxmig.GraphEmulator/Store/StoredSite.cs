namespace Dxmig.GraphEmulator;

/// <summary>A SharePoint site as a test made it: its composite id, host name, server-relative path and its
/// libraries' drive ids by name (the first, <see cref="DefaultDriveId"/>, is the site's default drive).</summary>
public sealed record StoredSite(string Id, string Hostname, string ServerRelativePath, IReadOnlyDictionary<string, string> DriveIds, string DefaultDriveId);

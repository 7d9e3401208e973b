namespace Dxmig.GraphEmulator;

/// <summary>A mail or contact folder as stored. <see cref="WellKnownName"/> is kept here for tests only: Graph v1.0 does not
/// return it, so the emulator's responses do not either.</summary>
public sealed record StoredFolder(
    string Id,
    string DisplayName,
    string? ParentFolderId,
    string? WellKnownName,
    int ChildFolderCount,
    int TotalItemCount,
    int UnreadItemCount);

namespace Dxmig.GraphEmulator.Store;

/// <summary>A mail or contact folder. Guarded by its mailbox's lock.</summary>
internal sealed class FolderEntity(string id, string displayName, string? parentId, string? wellKnownName, long sequence)
{
    public string Id { get; } = id;

    public string DisplayName { get; set; } = displayName;

    /// <summary>Null only for the hidden roots (msgfolderroot, the contacts root).</summary>
    public string? ParentId { get; set; } = parentId;

    public string? WellKnownName { get; } = wellKnownName;

    public long Sequence { get; } = sequence;
}

namespace Dxmig.GraphEmulator.Store;

/// <summary>A file attachment with its bytes.</summary>
internal sealed class AttachmentEntity(string id, string name, string contentType, byte[] bytes, bool isInline, string? contentId, DateTimeOffset lastModified)
{
    public string Id { get; } = id;

    public string Name { get; } = name;

    public string ContentType { get; } = contentType;

    public byte[] Bytes { get; } = bytes;

    public bool IsInline { get; } = isInline;

    public string? ContentId { get; } = contentId;

    public DateTimeOffset LastModified { get; } = lastModified;

    public StoredAttachment Snapshot() => new(Id, Name, ContentType, Bytes.Length, IsInline, ContentId, Bytes.ToArray());
}

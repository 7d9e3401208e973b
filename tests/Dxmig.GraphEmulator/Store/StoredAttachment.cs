namespace Dxmig.GraphEmulator;

/// <summary>A file attachment as stored, with its bytes.</summary>
public sealed record StoredAttachment(string Id, string Name, string ContentType, long Size, bool IsInline, string? ContentId, byte[] Bytes);

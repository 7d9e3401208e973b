using Dxmig.Platform.Records;

namespace Dxmig.Loaders.Imap;

/// <summary>One message for APPEND: flags and keywords, internal date, and the bytes exactly as read.</summary>
public sealed record AppendItem(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, MessageContent Content);

/// <summary>What APPENDUID said: the folder's UIDVALIDITY and the new messages' UIDs (empty without UIDPLUS).</summary>
public sealed record AppendResult(uint UidValidity, IReadOnlyList<uint> Uids);

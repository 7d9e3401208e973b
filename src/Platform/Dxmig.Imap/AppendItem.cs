namespace Dxmig.Imap;

/// <summary>One message for APPEND: flags and keywords, internal date, and its bytes (length and how to read them).</summary>
public sealed record AppendItem(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, long Length, Func<Stream> Open);

/// <summary>What APPENDUID said: the folder's UIDVALIDITY and the new messages' UIDs (empty without UIDPLUS).</summary>
public sealed record AppendResult(uint UidValidity, IReadOnlyList<uint> Uids);

/// <summary>One APPEND command's outcome: what the server appended, or why it refused them all.</summary>
public sealed record AppendOutcome(AppendResult? Result, string? Refusal);

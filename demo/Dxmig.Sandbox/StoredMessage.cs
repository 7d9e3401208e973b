using MailKit;

namespace Dxmig.Sandbox;

/// <summary>
/// A message as an IMAP server holds it, in the form tests compare: what <see cref="ImapMailboxReader"/> reads back
/// and what <see cref="ManifestMessage.ToStored"/> expects. Flags are the system flags without \Recent; keywords are
/// sorted; the INTERNALDATE is in UTC, because servers report it in their own time zone.
/// </summary>
/// <param name="Folder">The folder holding it.</param>
/// <param name="Uid">Its UID in that folder.</param>
/// <param name="Sha256">SHA-256 of the full message bytes (BODY[]), lower-case hex.</param>
/// <param name="Size">RFC822.SIZE as the server reports it.</param>
/// <param name="Flags">The system flags, without \Recent.</param>
/// <param name="Keywords">The keywords, sorted ordinally.</param>
/// <param name="InternalDate">The INTERNALDATE in UTC.</param>
/// <param name="MessageId">The Message-ID without angle brackets; null when the message has none.</param>
public sealed record StoredMessage(
    string Folder,
    uint Uid,
    string Sha256,
    long Size,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    string? MessageId);

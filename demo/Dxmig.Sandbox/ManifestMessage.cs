using MailKit;

namespace Dxmig.Sandbox;

/// <summary>
/// One message the corpus appended: where it went (folder, UIDVALIDITY and the UID from APPENDUID), the SHA-256 and
/// size of its exact bytes, its flags, keywords, INTERNALDATE and Message-ID, and which case it exercises. Tests compare
/// a migration target against these.
/// </summary>
/// <param name="User">The mailbox (user) it was appended to.</param>
/// <param name="Folder">The folder it was appended to.</param>
/// <param name="UidValidity">The folder's UIDVALIDITY from APPENDUID.</param>
/// <param name="Uid">The UID from APPENDUID.</param>
/// <param name="Sha256">SHA-256 of the message bytes as appended, lower-case hex.</param>
/// <param name="Size">The size of the message bytes as appended.</param>
/// <param name="Flags">The system flags it was appended with.</param>
/// <param name="Keywords">The keywords it was appended with, sorted ordinally.</param>
/// <param name="InternalDate">The INTERNALDATE as appended (+09:00).</param>
/// <param name="MessageId">The Message-ID without angle brackets; null when the message has none.</param>
/// <param name="Kind">Which case the message exercises.</param>
public sealed record ManifestMessage(
    string User,
    string Folder,
    uint UidValidity,
    uint Uid,
    string Sha256,
    long Size,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    string? MessageId,
    CorpusMessageKind Kind)
{
    /// <summary>What a server holding this message should report (see <see cref="StoredMessage"/>).</summary>
    public StoredMessage ToStored() => new(Folder, Uid, Sha256, Size, Flags, Keywords, InternalDate.ToUniversalTime(), MessageId);
}

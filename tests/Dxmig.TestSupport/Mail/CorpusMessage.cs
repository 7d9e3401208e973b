using MailKit;

namespace Dxmig.TestSupport.Mail;

/// <summary>
/// One generated message before it is appended: the exact bytes (CRLF line ends, ending in CRLF, as MailKit sends
/// them), where it goes and with which flags, keywords and INTERNALDATE.
/// </summary>
/// <param name="MessageId">The Message-ID without angle brackets, as MimeKit reads it; null when the message has none.</param>
public sealed record CorpusMessage(
    string Folder,
    ReadOnlyMemory<byte> Bytes,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    string? MessageId,
    CorpusMessageKind Kind);

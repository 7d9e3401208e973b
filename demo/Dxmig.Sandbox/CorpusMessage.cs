using MailKit;

namespace Dxmig.Sandbox;

/// <summary>
/// One generated message before it is appended: the exact bytes (CRLF line ends, ending in CRLF, as MailKit sends
/// them), where it goes and with which flags, keywords and INTERNALDATE.
/// </summary>
/// <param name="Folder">The folder it is appended to ('/' as separator).</param>
/// <param name="Bytes">The exact message bytes: CRLF line ends, ending in CRLF.</param>
/// <param name="Flags">The system flags it is appended with.</param>
/// <param name="Keywords">The keywords it is appended with.</param>
/// <param name="InternalDate">The INTERNALDATE it is appended with (+09:00).</param>
/// <param name="MessageId">The Message-ID without angle brackets, as MimeKit reads it; null when the message has none.</param>
/// <param name="Kind">Which case the message exercises.</param>
public sealed record CorpusMessage(
    string Folder,
    ReadOnlyMemory<byte> Bytes,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    string? MessageId,
    CorpusMessageKind Kind);

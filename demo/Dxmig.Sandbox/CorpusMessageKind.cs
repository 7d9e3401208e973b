namespace Dxmig.Sandbox;

/// <summary>
/// What a corpus message exercises, so a test can pick the hard cases out of a manifest (a raw 8-bit header, a
/// missing closing boundary) rather than find them by content.
/// </summary>
public enum CorpusMessageKind
{
    /// <summary>ISO-2022-JP subject, names and 7-bit body, with ①②㈱髙～.</summary>
    Iso2022Jp,

    /// <summary>UTF-8 multipart/alternative (base64 text/plain, quoted-printable text/html).</summary>
    Utf8Alternative,

    /// <summary>Shift_JIS (CP932) body, 8-bit or base64, subject as a shift_jis encoded-word.</summary>
    ShiftJis,

    /// <summary>Raw 8-bit Shift_JIS bytes in Subject and From: not encoded-words, as old Japanese mailers sent them.</summary>
    Raw8BitHeaders,

    /// <summary>multipart/mixed with binary attachments with Japanese file names (RFC 2231 and RFC 2047 styles).</summary>
    Attachment,

    /// <summary>A sent item without Message-ID and without Received.</summary>
    NoMessageId,

    /// <summary>A draft (\Draft) without Message-ID and without Received.</summary>
    Draft,

    /// <summary>multipart/mixed whose closing boundary is missing.</summary>
    BrokenBoundary,

    /// <summary>A base64 body with characters outside the alphabet and a truncated final quantum.</summary>
    BadBase64,

    /// <summary>Unfolded header lines far longer than 998 octets.</summary>
    LongHeader,
}

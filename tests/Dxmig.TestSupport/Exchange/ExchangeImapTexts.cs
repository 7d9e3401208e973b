using System.Globalization;

namespace Dxmig.TestSupport.Exchange;

/// <summary>
/// The texts Exchange Online's IMAP service answers with, as far as public reports show them. Each names its source;
/// where no source was found the text says so, and the proxy's answer is an Exchange-style guess.
/// </summary>
public static class ExchangeImapTexts
{
    /// <summary>The default banner (Set-ImapSettings -Banner, Microsoft Learn; seen in client logs of outlook.office365.com).</summary>
    public const string Greeting = "* OK The Microsoft Exchange IMAP4 service is ready.";

    /// <summary>
    /// The capabilities outlook.office365.com lists before and after login, without the internal ones
    /// (CLIENTACCESSRULES, CLIENTNETWORKPRESENCELOCATION, BACKENDAUTHENTICATE) it also shows (node-imap issue #689 log).
    /// </summary>
    public static IReadOnlyList<string> Capabilities { get; } =
    [
        "IMAP4", "IMAP4rev1", "AUTH=PLAIN", "AUTH=XOAUTH2", "SASL-IR", "UIDPLUS", "MOVE", "ID", "UNSELECT", "CHILDREN", "IDLE",
        "NAMESPACE", "LITERAL+",
    ];

    /// <summary>An unknown command (node-imap issue #44: <c>A8 BAD Command Error. 10</c>).</summary>
    public const string UnknownCommand = "Command Error. 10";

    /// <summary>
    /// Arguments Exchange does not accept (jakarta mail-api issue #152: a LIST it could not parse answered
    /// <c>BAD Command Argument Error. 12</c>; "Error. 11" is seen for APPEND/STORE/FETCH arguments it rejects).
    /// </summary>
    public const string ArgumentError = "Command Argument Error. 12";

    /// <summary>A STORE of a keyword Exchange does not keep (node-imap issue #602: "Command Argument Error. 11").</summary>
    public const string KeywordArgumentError = "Command Argument Error. 11";

    /// <summary>An APPEND larger than the mailbox's limit (imapsync FAQ.Office365: "NO Maximum size of appendable message has been exceeded").</summary>
    public const string MessageTooLarge = "Maximum size of appendable message has been exceeded.";

    /// <summary>The throttling answer (imapsync FAQ.Office365, imapsync issue #198, email-oauth2-proxy issue #191).</summary>
    public static string Throttled(long milliseconds) =>
        "Request is throttled. Suggested Backoff Time: " + milliseconds.ToString(CultureInfo.InvariantCulture) + " milliseconds";

    /// <summary>
    /// After repeated errors (imapsync issue #5 and email-oauth2-proxy issue #191 show <c>* BYE Connection closed. 14</c>;
    /// imapsync FAQ.Office365 says Office365 closes the connection after 10 errors).
    /// </summary>
    public const string ConnectionClosed = "* BYE Connection closed. 14";

    /// <summary>An expired access token (imapsync issue #250 and imap-backup issue #198).</summary>
    public const string AccessTokenExpired = "* BYE Session invalidated - AccessTokenExpired";

    /// <summary>CREATE of a reserved name such as Files (imapsync FAQ.Office365: "NO Folder name is reserved").</summary>
    public const string FolderNameReserved = "Folder name is reserved.";

    /// <summary>CREATE of a name with a character <see cref="ExchangeImapProxyOptions.RefusedFolderNameCharacters"/> lists
    /// (no Exchange text found: a guess in Exchange's style).</summary>
    public const string FolderNameInvalid = "Folder name is invalid.";

    /// <summary>A login that succeeded (DirectoryTree/ImapEngine issue #109 log: <c>TAG1 OK LOGIN completed.</c>).</summary>
    public const string LoginCompleted = "LOGIN completed.";

    /// <summary>An AUTHENTICATE that succeeded, by analogy with <see cref="LoginCompleted"/>.</summary>
    public const string AuthenticateCompleted = "AUTHENTICATE completed.";

    /// <summary>A failed AUTHENTICATE (imapsync issue #250: <c>NO AUTHENTICATE failed.</c>); also the answer to a login over
    /// the connection limit, for which no Exchange text was found.</summary>
    public const string AuthenticateFailed = "AUTHENTICATE failed.";

    /// <summary>A failed LOGIN, by analogy with <see cref="AuthenticateFailed"/>.</summary>
    public const string LoginFailed = "LOGIN failed.";

    /// <summary>The continuation the proxy sends for a synchronizing literal (Exchange's text not found; any text is legal).</summary>
    public const string Continuation = "+ Ready for additional command text.";
}

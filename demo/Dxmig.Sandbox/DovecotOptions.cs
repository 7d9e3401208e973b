namespace Dxmig.Sandbox;

/// <summary>
/// What a private <see cref="DovecotServer"/> is started with: its users, its master user, an optional TLS port and an
/// optional message size limit. The defaults give a plain-IMAP server on a loopback port with one master user in the
/// system temp folder, which is what most migration tests and the demo need.
/// </summary>
public sealed record DovecotOptions
{
    /// <summary>The default special-use folders of the inbox namespace (declared, not created: <c>auto = no</c>).</summary>
    public static IReadOnlyDictionary<string, string> DefaultSpecialUseFolders { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Sent"] = @"\Sent",
        ["Drafts"] = @"\Drafts",
        ["Trash"] = @"\Trash",
        ["Junk"] = @"\Junk",
        ["Archive"] = @"\Archive",
    };

    /// <summary>
    /// Mail users, name to password (stored with scheme PLAIN). Dovecot lower-cases login names
    /// (<c>auth_username_format = %Lu</c>), so give lower-case names. Neither may contain ':' or a line break.
    /// </summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The master user; <c>tanaka*admin</c> logs into tanaka's mailbox with the master password.</summary>
    public string MasterUser { get; init; } = "admin";

    /// <summary>The master password; a random one when null.</summary>
    public string? MasterPassword { get; init; }

    /// <summary>Also listen with implicit TLS on a second loopback port, with a self-signed certificate made for it.</summary>
    public bool Tls { get; init; }

    /// <summary>
    /// The largest message, in bytes (as sent in APPEND, CRLF line ends), the server stores; larger APPENDs get
    /// <c>NO [LIMIT]</c>. Enforced by the quota plugin's <c>quota_max_mail_size</c> and announced as
    /// <c>APPENDLIMIT=n</c>. Null: no limit.
    /// </summary>
    public long? MaxMessageSize { get; init; }

    /// <summary>Folder name to special-use attribute, declared in the inbox namespace with <c>auto = no</c>.</summary>
    public IReadOnlyDictionary<string, string> SpecialUseFolders { get; init; } = DefaultSpecialUseFolders;

    /// <summary>
    /// Create the special-use folders in every mailbox at its first login (<c>auto = subscribe</c>), as Exchange and most
    /// hosted servers have them from the start; false declares them only (created when a client creates them).
    /// </summary>
    public bool CreateSpecialUseFolders { get; init; }

    /// <summary>App-only OAuth 2.0 logins (XOAUTH2, OAUTHBEARER) validated by Dovecot through a token introspection
    /// endpoint, with a FullAccess list of mailboxes, as Exchange Online checks them; null: password logins only.</summary>
    public DovecotOAuth2Options? OAuth2 { get; init; }

    /// <summary>
    /// The capabilities the server announces after login (Dovecot's <c>imap_capability</c>, which replaces the list), for
    /// a server that lacks some extensions; null: Dovecot's own list. <see cref="WithoutCondStoreQResyncMove"/> is
    /// Dovecot 2.3's list without CONDSTORE, QRESYNC and MOVE.
    /// </summary>
    public string? ImapCapability { get; init; }

    /// <summary>Dovecot 2.3's post-login capabilities without CONDSTORE, QRESYNC and MOVE (an older IMAP server).</summary>
    public const string WithoutCondStoreQResyncMove =
        "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT " +
        "MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES " +
        "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY SPECIAL-USE LITERAL+";

    /// <summary>Raw lines appended to the generated dovecot.conf, for a caller that needs one more setting.</summary>
    public string? ExtraConfiguration { get; init; }

    /// <summary>
    /// The folder the server's own folder (<c>dxmig-dovecot-{guid}</c>) is created in; the system temp folder when
    /// null. An absolute path without spaces or quotes. As root, every folder above it must let others search it
    /// (see <see cref="DovecotServer.MailProcessesCanReachAsync"/>). Abandoned servers in it are reaped at the next start.
    /// </summary>
    public string? ParentDirectory { get; init; }

    /// <summary>How long to wait for the server to greet on its port.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

namespace Dxmig.TestSupport.Exchange;

/// <summary>
/// Which of Exchange Online's IMAP behaviours an <see cref="ExchangeImapProxy"/> applies; the defaults are Exchange's.
/// Each switch is independent, so a test can keep one behaviour and turn the others off.
/// </summary>
public sealed record ExchangeImapProxyOptions
{
    /// <summary>35 MiB (36,700,160 bytes), the figure this project was given for a mailbox's default limit; no Microsoft page
    /// stating it was found while writing the proxy. imapsync's FAQ.Office365 names 45 MB as what it met in practice and
    /// up to 150 MB once an administrator raises MaxReceiveSize; set <see cref="MaxMessageSize"/> for those.</summary>
    public const long DefaultMaxMessageSize = 35L * 1024 * 1024;

    /// <summary>Office365 closes the connection after 10 errors (imapsync FAQ.Office365).</summary>
    public const int DefaultDisconnectAfterErrors = 10;

    /// <summary>Maximum concurrent IMAP connections per mailbox: 20 (Exchange Online throttling FAQ, quoted in
    /// node-imap issue #523; Exchange Server's own MaxConnectionsPerUser default is 16).</summary>
    public const int DefaultMaxConnectionsPerMailbox = 20;

    /// <summary>Greet with Exchange's banner and answer CAPABILITY with <see cref="Capabilities"/>; strip Dovecot's
    /// <c>[CAPABILITY …]</c> response codes, which Exchange never sends.</summary>
    public bool ExchangeCapabilities { get; init; } = true;

    /// <summary>The capabilities announced when <see cref="ExchangeCapabilities"/> is on.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = ExchangeImapTexts.Capabilities;

    /// <summary>Refuse what Exchange does not support: unknown commands (ENABLE, COMPRESS, GETQUOTA, SORT, THREAD,
    /// GETMETADATA, …) with <c>BAD Command Error. 10</c>; MULTIAPPEND, CATENATE, CONDSTORE/QRESYNC modifiers, extended
    /// LIST, ESEARCH RETURN and STATUS items beyond RFC 3501 with <c>BAD Command Argument Error. 12</c>.</summary>
    public bool RefuseUnsupported { get; init; } = true;

    /// <summary>Remove <c>\Flagged</c> from an APPEND's flag list before it reaches the server.</summary>
    public bool DropFlaggedOnAppend { get; init; } = true;

    /// <summary>
    /// The keywords Exchange keeps (its PERMANENTFLAGS besides the system flags: <c>$MDNSent</c>); an APPEND or STORE with
    /// another keyword is refused. Null: every keyword passes.
    /// </summary>
    public IReadOnlyList<string>? KeptKeywords { get; init; } = ["$MDNSent"];

    /// <summary>The largest APPEND literal accepted, in bytes; null: no limit.</summary>
    public long? MaxMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>After this many consecutive NO/BAD answers on a connection, <c>* BYE Connection closed. 14</c> and close;
    /// null: never.</summary>
    public int? DisconnectAfterErrors { get; init; } = DefaultDisconnectAfterErrors;

    /// <summary>Folder names CREATE refuses with <c>NO Folder name is reserved.</c> (case-insensitive, the whole name).</summary>
    public IReadOnlyList<string> ReservedFolderNames { get; init; } = ["Files"];

    /// <summary>Characters CREATE refuses in a folder name (none by default: no source was found for Exchange's list).</summary>
    public string RefusedFolderNameCharacters { get; init; } = "";

    /// <summary>At most this many authenticated connections per mailbox; null: no limit.</summary>
    public int? MaxConnectionsPerMailbox { get; init; } = DefaultMaxConnectionsPerMailbox;

    /// <summary>The status of a throttled answer: Exchange has been seen answering both <c>NO</c> (imapsync issue #198, an
    /// APPEND) and <c>BAD</c> (imapsync FAQ.Office365, email-oauth2-proxy issue #191).</summary>
    public string ThrottledStatus { get; init; } = "NO";

    /// <summary>A standing budget: once a mailbox has run this many commands within one second, its next command is
    /// throttled for <see cref="RateLimitBackoff"/>. Null: only <see cref="ExchangeImapProxy.ThrottleNext"/> throttles
    /// (Exchange's real budget is not documented).</summary>
    public int? MaxCommandsPerSecond { get; init; }

    /// <summary>The backoff of the standing budget: five minutes, as Exchange suggests it (299,961 ms in imapsync's FAQ.Office365).</summary>
    public TimeSpan RateLimitBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gives an OAuth access token's expiry (null: unknown, never expires). Once it has passed, the next command
    /// of a connection that authenticated with that token gets <c>* BYE Session invalidated - AccessTokenExpired</c>.</summary>
    public Func<string, DateTimeOffset?>? TokenExpiry { get; init; }

    /// <summary>
    /// Called with the mailbox before a LIST, SELECT, EXAMINE or STATUS of an authenticated connection, and awaited: the
    /// exo-imap sandbox brings in there what Graph wrote into the same mailbox (Exchange shows one mailbox to both).
    /// </summary>
    public Func<string, CancellationToken, Task>? BeforeMailboxRead { get; init; }

    /// <summary>The clock for token expiry, throttling windows and recorded waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Only the proxy's plumbing: nothing rewritten, nothing refused (counters still kept).</summary>
    public static ExchangeImapProxyOptions PassThrough { get; } = new()
    {
        ExchangeCapabilities = false,
        RefuseUnsupported = false,
        DropFlaggedOnAppend = false,
        KeptKeywords = null,
        MaxMessageSize = null,
        DisconnectAfterErrors = null,
        ReservedFolderNames = [],
        MaxConnectionsPerMailbox = null,
    };

    /// <summary>Throws when a value cannot work, naming every such value.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (MaxMessageSize is < 1)
        {
            problems.Add($"{nameof(MaxMessageSize)} must be positive (was {MaxMessageSize})");
        }

        if (DisconnectAfterErrors is < 1)
        {
            problems.Add($"{nameof(DisconnectAfterErrors)} must be positive (was {DisconnectAfterErrors})");
        }

        if (MaxConnectionsPerMailbox is < 1)
        {
            problems.Add($"{nameof(MaxConnectionsPerMailbox)} must be positive (was {MaxConnectionsPerMailbox})");
        }

        if (ThrottledStatus is not ("NO" or "BAD"))
        {
            problems.Add($"{nameof(ThrottledStatus)} must be NO or BAD (was {ThrottledStatus})");
        }

        if (MaxCommandsPerSecond is < 1)
        {
            problems.Add($"{nameof(MaxCommandsPerSecond)} must be positive (was {MaxCommandsPerSecond})");
        }

        if (RateLimitBackoff < TimeSpan.FromMilliseconds(1))
        {
            problems.Add($"{nameof(RateLimitBackoff)} must be at least 1 ms (was {RateLimitBackoff})");
        }

        if (Capabilities.Any(c => string.IsNullOrWhiteSpace(c) || c.Any(char.IsWhiteSpace)))
        {
            problems.Add($"{nameof(Capabilities)} must be atoms without white space");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Exchange IMAP proxy options: " + string.Join("; ", problems));
        }
    }
}

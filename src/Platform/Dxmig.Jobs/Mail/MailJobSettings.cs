using Dxmig.Extractors.Imap;
using Dxmig.Imap;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.Imap;
using Dxmig.Contracts.Mappings;
using Dxmig.Jobs.Common;
using Dxmig.Transformers.Mail;

namespace Dxmig.Jobs.Mail;

/// <summary>What a mail job's sections and mapping files say, checked.</summary>
public sealed record MailJobSettings(
    ImapEndpointSettings Source,
    ImapEndpointSettings? Target,
    GraphTargetSettings? Graph,
    IdentityMap Identities,
    FolderMap Folders,
    IReadOnlyList<FolderSkipRule> SkipFolders,
    long? MaxMessageSize,
    int? MaxAgeDays,
    DeletionPolicy Deletions,
    double DeletionThresholdPercent,
    int FetchBatch,
    int AppendBatch,
    long? TargetMaxMessageSize,
    bool Repair8BitHeaders)
{
    /// <summary>
    /// For <c>type: exo-imap</c>: the app whose tokens open the target's mailboxes over IMAP (the same tenant, client
    /// and credential as the Graph target takes). Null for an IMAP target with a password login.
    /// </summary>
    public GraphTargetSettings? ExchangeApp { get; init; }

    /// <summary>
    /// <c>deletion-threshold</c>: the most removals one run carries out with <c>deletions: mirror</c> (all mailboxes
    /// together); above it the mailbox's removals are held back for <c>--confirm-deletes</c>.
    /// </summary>
    public int DeletionThreshold { get; init; } = MailDeletionGuard.DefaultMaxCount;

    /// <summary>The keywords Exchange Online's IMAP keeps (PERMANENTFLAGS: the system flags and <c>$MDNSent</c>).</summary>
    public static readonly IReadOnlyList<string> ExchangeKeptKeywords = ["$MDNSent"];

    /// <summary>
    /// <c>route: imap-first</c> (exo-imap only): a message over <see cref="ImapMaxMessageSize"/>, or one Exchange's IMAP
    /// refuses, goes by Graph with the same app; false: IMAP only.
    /// </summary>
    public bool RouteImapFirst { get; init; }

    /// <summary>The largest message sent by IMAP when routing (the tenant's IMAP limit; 35 MB by default).</summary>
    public long ImapMaxMessageSize { get; init; } = GraphTargetOptions.DefaultMaxMessageSize;

    /// <summary>True for Exchange Online over IMAP: \Flagged set after APPEND, no MULTIAPPEND, throttling answers.</summary>
    public bool ExchangeImap => ExchangeApp is not null;

    /// <summary>The IMAP target with its secrets read; for Exchange, with the app's token source.</summary>
    public ImapEndpoint ResolveTarget(Func<string, string?> environment)
    {
        var endpoint = (Target ?? throw new InvalidOperationException("not an IMAP target")).Resolve(environment);
        return ExchangeApp is { } app
            ? endpoint with { LoginMode = ImapLoginMode.OAuth2, TokenSource = new AppTokenSource(GraphSession.AppCredential(app.Resolve(environment))) }
            : endpoint;
    }
}

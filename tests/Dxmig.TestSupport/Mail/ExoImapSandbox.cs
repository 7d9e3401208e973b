using Dxmig.GraphEmulator;
using Dxmig.Loaders.Graph;
using Dxmig.Sandbox;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Dxmig.TestSupport.Mail;

/// <summary>
/// Exchange Online's IMAP with app-only OAuth 2.0, sandboxed: a running <see cref="GraphEmulator"/> issues the tokens
/// (scope <see cref="GraphEmulator.ExchangeScope"/>) and a private Dovecot validates them itself through the
/// emulator's introspection endpoint (https, trusting the emulator's certificate), refusing what Exchange refuses: a
/// token that is unknown, expired or revoked, of another tenant or for another resource, and a mailbox the app has no
/// FullAccess on. The emulator's <see cref="GraphEmulator.MailboxAccess"/> is the truth: every change to it (a
/// revocation, a grant, a new user) rewrites Dovecot's FullAccess list at once. The caller owns the emulator; this
/// stops only the Dovecot server.
/// </summary>
public sealed class ExoImapSandbox : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _mirrorGate = new(1, 1);

    /// <summary>Graph message id → (folder, UID, last modified) of its copy in Dovecot.</summary>
    private readonly Dictionary<string, (string Folder, UniqueId Uid, DateTimeOffset Modified)> _mirrored = new(StringComparer.Ordinal);

    private ExoImapSandbox(GraphEmulator.GraphEmulator emulator, DovecotServer dovecot)
    {
        Emulator = emulator;
        Dovecot = dovecot;
        Emulator.MailboxAccess.Changed += OnAccessChanged;
    }

    public GraphEmulator.GraphEmulator Emulator { get; }

    /// <summary>The Dovecot server; its master user reads what arrived (<see cref="DovecotServer.ConnectAsMasterAsync"/>).</summary>
    public DovecotServer Dovecot { get; }

    /// <summary>
    /// Starts Dovecot with <paramref name="options"/> (users, master user, folders …) and OAuth2 validation against
    /// <paramref name="emulator"/> (<see cref="OAuth2Options"/>; an <see cref="DovecotOptions.OAuth2"/> given is replaced).
    /// Give Dovecot the emulator's UPNs as its users when the master user is to read their mailboxes; a mailbox
    /// opened by token needs no Dovecot user of its own.
    /// </summary>
    public static async Task<ExoImapSandbox> StartAsync(GraphEmulator.GraphEmulator emulator, DovecotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        var dovecot = await DovecotServer.StartAsync((options ?? new DovecotOptions()) with { OAuth2 = OAuth2Options(emulator) });
        return new ExoImapSandbox(emulator, dovecot);
    }

    /// <summary>Dovecot's OAuth2 settings for a running emulator: its introspection URL and certificate, its tenant,
    /// Exchange's audience, and the mailboxes its app has FullAccess on now.</summary>
    public static DovecotOAuth2Options OAuth2Options(GraphEmulator.GraphEmulator emulator)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        return new DovecotOAuth2Options
        {
            IntrospectionUrl = new Uri(emulator.ExchangeIntrospectionUrl),
            CaCertificatePem = emulator.CertificatePem,
            TenantId = emulator.TenantId,
            Audience = GraphEmulator.GraphEmulator.ExchangeResource,
            MailboxesWithAccess = emulator.MailboxAccess.MailboxesWithFullAccess(),
        };
    }

    /// <summary>A token for Exchange Online from the emulator (client secret, the emulator's tenant). Never log it.</summary>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken = default) =>
        Emulator.GetAccessTokenAsync(GraphEmulator.GraphEmulator.ExchangeScope, cancellationToken: cancellationToken);

    /// <summary>A client on Dovecot's plain port authenticated as <paramref name="upn"/> with <paramref name="token"/>
    /// (SASL XOAUTH2, or OAUTHBEARER); the caller disposes it.</summary>
    /// <exception cref="AuthenticationException">Dovecot refused the token for this mailbox.</exception>
    public async Task<ImapClient> ConnectWithTokenAsync(string upn, string token, bool oauthBearer = false, CancellationToken cancellationToken = default)
    {
        var client = new ImapClient();
        try
        {
            await client.ConnectAsync(Dovecot.Host, Dovecot.Port, SecureSocketOptions.None, cancellationToken);
            SaslMechanism mechanism = oauthBearer ? new SaslMechanismOAuthBearer(upn, token) : new SaslMechanismOAuth2(upn, token);
            await client.AuthenticateAsync(mechanism, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Emulator.MailboxAccess.Changed -= OnAccessChanged;
        await Dovecot.DisposeAsync();
        _mirrorGate.Dispose();
    }

    /// <summary>
    /// Exchange shows one mailbox to IMAP and to Graph; here they are two stores, so what Graph holds is brought into
    /// Dovecot as Exchange's IMAP would show it: the MIME Exchange renders from the message (not the bytes a client sent),
    /// <c>\Seen</c> from isRead, <c>\Flagged</c> from the flag, <c>\Draft</c>, <c>\Answered</c> from the last verb,
    /// INTERNALDATE from receivedDateTime, in the folder of the same role or path. A changed message is replaced, a
    /// deleted one removed; one whose attachments are still on their way (dxmig's pending mark) waits. Give it to the
    /// proxy as <see cref="Exchange.ExchangeImapProxyOptions.BeforeMailboxRead"/>.
    /// </summary>
    public async Task BringInGraphMailAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        var upn = mailbox;
        IReadOnlyList<GraphEmulator.StoredMessage> stored;
        try
        {
            stored = Emulator.Store.AllMessages(upn);
        }
        catch (ArgumentException)
        {
            return; // not a mailbox of the tenant
        }

        await _mirrorGate.WaitAsync(cancellationToken);
        try
        {
            var messages = stored.Where(m => m.ExtendedProperty(GraphMessageBuilder.PendingProperty) is null or GraphMessageBuilder.Complete).ToList();
            var known = _mirrored.Where(kv => kv.Key.StartsWith(upn + "\u001F", StringComparison.Ordinal)).ToList();
            var current = messages.ToDictionary(m => upn + "\u001F" + m.Id, StringComparer.Ordinal);
            if (messages.Count == 0 && known.Count == 0)
            {
                return;
            }

            using var client = await Dovecot.ConnectAsMasterAsync(upn, cancellationToken);
            var folders = Emulator.Store.MailFolders(upn).ToDictionary(f => f.Id);
            foreach (var (key, copy) in known)
            {
                if (!current.TryGetValue(key, out var now) || now.LastModifiedDateTime != copy.Modified)
                {
                    var folder = await client.GetFolderAsync(copy.Folder, cancellationToken);
                    await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
                    await folder.AddFlagsAsync(copy.Uid, MessageFlags.Deleted, silent: true, cancellationToken);
                    await folder.ExpungeAsync([copy.Uid], cancellationToken);
                    _mirrored.Remove(key);
                }
            }

            foreach (var (key, message) in current.Where(kv => !_mirrored.ContainsKey(kv.Key)))
            {
                var folder = await FolderAsync(client, folders, message.ParentFolderId, cancellationToken);
                var flags = (message.IsRead ? MessageFlags.Seen : MessageFlags.None)
                    | (message.FlagStatus == "flagged" ? MessageFlags.Flagged : MessageFlags.None)
                    | (message.IsDraft ? MessageFlags.Draft : MessageFlags.None)
                    | (message.ExtendedProperty(GraphMessageBuilder.LastVerbProperty) is "102" or "103" ? MessageFlags.Answered : MessageFlags.None);
                using var stream = new MemoryStream(message.RenderMime());
                var crlf = FormatOptions.Default.Clone();
                crlf.NewLineFormat = NewLineFormat.Dos;
                var uid = await folder.AppendAsync(crlf, new AppendRequest(MimeMessage.Load(stream, cancellationToken), flags) { InternalDate = message.ReceivedDateTime }, cancellationToken)
                    ?? throw new InvalidOperationException("the sandbox's Dovecot gave no APPENDUID");
                _mirrored[key] = (folder.FullName, uid, message.LastModifiedDateTime);
            }

            await client.DisconnectAsync(true, cancellationToken);
        }
        finally
        {
            _mirrorGate.Release();
        }
    }

    /// <summary>How many of the mailbox's messages in Dovecot are copies brought in from Graph.</summary>
    public int BroughtIn(string mailbox)
    {
        lock (_gate)
        {
            return _mirrored.Keys.Count(k => k.StartsWith(mailbox + "\u001F", StringComparison.Ordinal));
        }
    }

    /// <summary>The Dovecot folder for a Graph folder: the one with the same role (SPECIAL-USE), else the same path, created.</summary>
    private static async Task<IMailFolder> FolderAsync(ImapClient client, IReadOnlyDictionary<string, StoredFolder> folders, string folderId, CancellationToken cancellationToken)
    {
        var path = new List<string>();
        string? wellKnown = null;
        for (var folder = folders.GetValueOrDefault(folderId); folder is not null && folder.WellKnownName != "msgfolderroot"; folder = folder.ParentFolderId is { } p ? folders.GetValueOrDefault(p) : null)
        {
            if (folder.WellKnownName is { } name && name != "msgfolderroot")
            {
                wellKnown = name;
                break;
            }

            path.Insert(0, folder.DisplayName);
        }

        var attribute = wellKnown switch
        {
            "sentitems" => FolderAttributes.Sent,
            "drafts" => FolderAttributes.Drafts,
            "deleteditems" => FolderAttributes.Trash,
            "junkemail" => FolderAttributes.Junk,
            "archive" => FolderAttributes.Archive,
            _ => FolderAttributes.None,
        };
        var all = await client.GetFoldersAsync(client.PersonalNamespaces[0], cancellationToken: cancellationToken);
        IMailFolder current = wellKnown == "inbox" ? client.Inbox
            : attribute != FolderAttributes.None ? all.First(f => f.Attributes.HasFlag(attribute))
            : client.GetFolder(client.PersonalNamespaces[0]);
        foreach (var name in path)
        {
            current = all.FirstOrDefault(f => f.ParentFolder?.FullName == current.FullName && f.Name == name)
                ?? await current.CreateAsync(name, isMessageFolder: true, cancellationToken) ?? throw new InvalidOperationException($"cannot create {name}");
        }

        await current.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        return current;
    }

    private void OnAccessChanged(object? sender, EventArgs e)
    {
        // The emulator's revoke or grant is synchronous, and a test logs in right after it: it must not return before
        // Dovecot sees the change (at most a second, see SetOAuth2MailboxAccessAsync). No synchronisation context
        // runs here (xunit, the emulator's callers), so waiting cannot deadlock.
        lock (_gate)
        {
            Dovecot.SetOAuth2MailboxAccessAsync(Emulator.MailboxAccess.MailboxesWithFullAccess()).GetAwaiter().GetResult();
        }
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;

namespace Dxmig.Imap;

/// <summary>
/// One selectable folder of a mailbox as reconciliation sees it, with the mailbox's role folders (role to full name,
/// as <see cref="ImapRoleFolders"/> reads them) so a reader can tell where a role's messages belong.
/// </summary>
public sealed record ImapFolderInfo(string FullName, IReadOnlyList<string> Path, MailFolderRole Role, char Separator, uint UidValidity)
{
    public IReadOnlyDictionary<MailFolderRole, string> MailboxRoles { get; init; } = new Dictionary<MailFolderRole, string>();
}

/// <summary>
/// One message's metadata (and, on a deep check, the SHA-256 of its bytes). <paramref name="Unreadable"/> is set, in
/// plain words, when the server's answer for this message could not be read: the rest of its fields are then unknown.
/// </summary>
public sealed record ImapMessageInfo(
    uint Uid, long Size, MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset? InternalDate, string? MessageId, string? Sha256, string? Unreadable = null);

/// <summary>
/// Reads a mailbox's folders and, per folder, every message's UID, size, flags, keywords, INTERNALDATE and Message-ID
/// in one FETCH (no body), read-only, through the admin credential; with <c>deep</c> also every body, hashed as it
/// streams. Used by reconciliation on both sides of an IMAP-to-IMAP job and on the source of an IMAP-to-Graph job.
/// The Message-ID comes from the header field alone (<c>BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]</c>, read as a streamed
/// section, parsed as the migration parses it), never from ENVELOPE: ENVELOPE carries the Subject and the addresses as
/// strings, and MailKit refuses a string over 4 KB, so one long Subject made a whole mailbox unreadable. A message
/// whose answer still cannot be read is read again on its own and, failing that, reported as unreadable with the reason;
/// the rest of its folder is read.
/// </summary>
public static class ImapMetadataReader
{
    private static readonly FetchRequest Request = new(
        MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate)
    {
        Headers = new HeaderSet([HeaderId.MessageId]),
    };

    /// <summary>How often one message is read on a fresh connection before it is reported unreadable.</summary>
    private const int SingleAttempts = 2;

    /// <summary>Streams each folder with its messages; <paramref name="requests"/> is told of every IMAP command sent (cost accounting).</summary>
    /// <exception cref="AccountFailedException">The mailbox cannot be opened.</exception>
    public static async IAsyncEnumerable<(ImapFolderInfo Folder, IReadOnlyList<ImapMessageInfo> Messages)> ReadAsync(
        ImapEndpoint endpoint, string account, bool deep, Action<int> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var session = new Session(endpoint, account, requests);
        try
        {
            var client = await session.ClientAsync(cancellationToken);
            var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
            // Each command waits out a throttled answer on its own (Exchange), rather than the whole mailbox being read again.
            var folders = (await ImapRetry.PatientlyAsync(() => client.GetFoldersAsync(personal, StatusItems.None, subscribedOnly: false, cancellationToken), cancellationToken)).ToList();
            requests(1);
            if (!folders.Any(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
            {
                folders.Insert(0, client.Inbox);
            }

            var roles = ImapRoleFolders.Of(folders.Where(f => !f.Attributes.HasFlag(FolderAttributes.NonExistent)));

            foreach (var listed in folders.OrderBy(f => f.FullName, StringComparer.Ordinal))
            {
                if (listed.Attributes.HasFlag(FolderAttributes.NoSelect) || listed.Attributes.HasFlag(FolderAttributes.NonExistent))
                {
                    continue;
                }

                var folder = await session.OpenAsync(listed, cancellationToken);
                var messages = new List<ImapMessageInfo>(folder.Count);
                if (folder.Count > 0)
                {
                    IList<IMessageSummary>? summaries;
                    try
                    {
                        summaries = await ImapRetry.PatientlyAsync(() => folder.FetchAsync(0, -1, Request, cancellationToken), cancellationToken);
                        requests(1);
                        foreach (var s in summaries)
                        {
                            messages.Add(Info(s, deep ? await HashAsync(folder, s.UniqueId, requests, cancellationToken) : null));
                        }
                    }
                    catch (Exception ex) when (IsMessageFailure(ex, cancellationToken))
                    {
                        // Some message's answer could not be read: each message again, on its own.
                        messages = await OneByOneAsync(session, listed, deep, cancellationToken);
                        folder = session.Current ?? await session.OpenAsync(listed, cancellationToken);
                    }
                }

                // Name, separator and role as the LIST of the mailbox gave them (a folder looked up again after a new
                // connection may lack its SPECIAL-USE attribute); UIDVALIDITY from the folder as it is open now.
                var path = listed.DirectorySeparator == '\0' ? [listed.FullName] : listed.FullName.Split(listed.DirectorySeparator);
                var info = new ImapFolderInfo(listed.FullName, path, RoleOf(listed), listed.DirectorySeparator, folder.UidValidity) { MailboxRoles = roles };
                // Not run again when throttled: MailKit has closed the folder on its side either way, and the next SELECT replaces it.
                if (folder.IsOpen)
                {
                    await folder.CloseAsync(false, cancellationToken);
                }

                yield return (info, messages);
            }

            if (session.Connected)
            {
                await (await session.ClientAsync(cancellationToken)).DisconnectAsync(true, cancellationToken);
            }
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>The Message-ID (without angle brackets) from the fetched header field, parsed as the migration parses it; null when there is none.</summary>
    internal static string? MessageIdOf(HeaderList? headers)
    {
        if (headers is null || headers.IndexOf(HeaderId.MessageId) is var at && at < 0)
        {
            return null;
        }

        // The field as it stood in the message (its raw bytes, folding kept), then the same lenient reading as the body prefix gets.
        var raw = headers[at].RawValue;
        var field = new byte["Message-ID: "u8.Length + raw.Length + 4];
        "Message-ID: "u8.CopyTo(field);
        raw.CopyTo(field.AsSpan("Message-ID: "u8.Length));
        "\r\n\r\n"u8.CopyTo(field.AsSpan(field.Length - 4));
        return MailHeaderBlock.MessageId(field);
    }

    private static ImapMessageInfo Info(IMessageSummary s, string? hash) =>
        new(s.UniqueId.Id, (long)(s.Size ?? 0), s.Flags ?? MessageFlags.None, [.. s.Keywords], s.InternalDate, MessageIdOf(s.Headers), hash);

    private static async Task<string> HashAsync(IMailFolder folder, UniqueId uid, Action<int> requests, CancellationToken cancellationToken)
    {
        var hash = await ImapRetry.PatientlyAsync(
            async () =>
            {
                await using var stream = await folder.GetStreamAsync(uid, string.Empty, cancellationToken);
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            },
            cancellationToken);
        requests(1);
        return hash;
    }

    /// <summary>
    /// A failure that one message's answer can cause: MailKit could not parse it (it then drops the connection), or the
    /// server refused the FETCH. A connection reset or a timeout is not one (<see cref="IOException"/>, <see cref="TimeoutException"/>):
    /// it goes up, and the mailbox is read again from the start on a new connection (<see cref="ImapRetry"/>), as before,
    /// so a flaky network never makes a message "unreadable".
    /// </summary>
    private static bool IsMessageFailure(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is ImapProtocolException or ImapCommandException or FormatException or ParseException;

    /// <summary>
    /// A folder's messages read one at a time, each on a connection of its own if it must be: a message whose answer
    /// cannot be read after <see cref="SingleAttempts"/> tries is given with the reason, and the next one is read.
    /// A server that cannot be reached again fails the mailbox (<see cref="AccountFailedException"/>), as before.
    /// </summary>
    private static async Task<List<ImapMessageInfo>> OneByOneAsync(Session session, IMailFolder listed, bool deep, CancellationToken cancellationToken)
    {
        session.Reset();
        var folder = await session.OpenAsync(listed, cancellationToken);
        var uids = await ImapRetry.PatientlyAsync(() => folder.SearchAsync(SearchQuery.All, cancellationToken), cancellationToken);
        session.Requests(1);
        var messages = new List<ImapMessageInfo>(uids.Count);
        foreach (var uid in uids)
        {
            Exception? failure = null;
            for (var attempt = 0; attempt < SingleAttempts; attempt++)
            {
                try
                {
                    folder = session.Current is { IsOpen: true } open && session.Connected ? open : await session.OpenAsync(listed, cancellationToken);
                    var found = await ImapRetry.PatientlyAsync(() => folder.FetchAsync([uid], Request, cancellationToken), cancellationToken);
                    session.Requests(1);
                    if (found.Count > 0)
                    {
                        messages.Add(Info(found[0], deep ? await HashAsync(folder, uid, session.Requests, cancellationToken) : null));
                    }

                    failure = null;
                    break; // read (or expunged meanwhile: then it is not there to compare)
                }
                catch (Exception ex) when (IsMessageFailure(ex, cancellationToken))
                {
                    failure = ex;
                    session.Reset();
                }
            }

            if (failure is not null)
            {
                messages.Add(new ImapMessageInfo(uid.Id, 0, MessageFlags.None, [], null, null, null, string.Create(
                    CultureInfo.InvariantCulture,
                    $"サーバーの応答を読めないため、このメッセージは照合できません ({failure.GetType().Name}: {failure.Message}) / this message cannot be reconciled: the server's answer for it cannot be read ({failure.GetType().Name}: {failure.Message})")));
            }
        }

        return messages;
    }

    /// <summary>The reader's connection, opened again when it was lost or a message's answer left it unusable.</summary>
    private sealed class Session(ImapEndpoint endpoint, string account, Action<int> requests) : IDisposable
    {
        private ImapClient? client;
        private bool reopened;

        public Action<int> Requests { get; } = requests;

        /// <summary>The folder opened last, on the current connection.</summary>
        public IMailFolder? Current { get; private set; }

        public bool Connected => client is { IsConnected: true, IsAuthenticated: true };

        public async Task<ImapClient> ClientAsync(CancellationToken cancellationToken)
        {
            if (client is { IsConnected: true, IsAuthenticated: true } open)
            {
                return open;
            }

            if (client is not null)
            {
                Reset();
                reopened = true;
            }

            client = await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
            Requests(2);
            return client;
        }

        /// <summary>Opens the folder read-only; after a new connection, the folder of that name on it.</summary>
        public async Task<IMailFolder> OpenAsync(IMailFolder listed, CancellationToken cancellationToken)
        {
            var open = await ClientAsync(cancellationToken);
            var folder = reopened ? await open.GetFolderAsync(listed.FullName, cancellationToken) : listed;
            await ImapRetry.PatientlyAsync(() => folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken), cancellationToken);
            Requests(1);
            Current = folder;
            return folder;
        }

        /// <summary>Drops the connection; the next use opens a new one.</summary>
        public void Reset()
        {
            if (client is not null)
            {
                reopened = true;
                client.Dispose();
                client = null;
            }

            Current = null;
        }

        public void Dispose() => client?.Dispose();
    }

    /// <summary>A folder's role: INBOX, then its SPECIAL-USE attribute.</summary>
    public static MailFolderRole RoleOf(IMailFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return folder.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? MailFolderRole.Inbox
            : folder.Attributes.HasFlag(FolderAttributes.Sent) ? MailFolderRole.Sent
            : folder.Attributes.HasFlag(FolderAttributes.Drafts) ? MailFolderRole.Drafts
            : folder.Attributes.HasFlag(FolderAttributes.Trash) ? MailFolderRole.Trash
            : folder.Attributes.HasFlag(FolderAttributes.Junk) ? MailFolderRole.Junk
            : folder.Attributes.HasFlag(FolderAttributes.Archive) ? MailFolderRole.Archive
            : MailFolderRole.None;
    }

    /// <summary>Flags and keywords as one sorted, space-separated string (\Recent left out: it is the server's, not the message's).</summary>
    public static string Canonical(IEnumerable<string> flagsAndKeywords)
    {
        ArgumentNullException.ThrowIfNull(flagsAndKeywords);
        return string.Join(' ', flagsAndKeywords.Where(f => f.Length > 0 && !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The system flags of a message as IMAP names them.</summary>
    public static IEnumerable<string> Names(MessageFlags flags)
    {
        if (flags.HasFlag(MessageFlags.Seen))
        {
            yield return "\\Seen";
        }

        if (flags.HasFlag(MessageFlags.Answered))
        {
            yield return "\\Answered";
        }

        if (flags.HasFlag(MessageFlags.Flagged))
        {
            yield return "\\Flagged";
        }

        if (flags.HasFlag(MessageFlags.Deleted))
        {
            yield return "\\Deleted";
        }

        if (flags.HasFlag(MessageFlags.Draft))
        {
            yield return "\\Draft";
        }
    }
}

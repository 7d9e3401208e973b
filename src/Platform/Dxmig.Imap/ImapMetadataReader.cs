using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using MailKit;

namespace Dxmig.Imap;

/// <summary>
/// One selectable folder of a mailbox as reconciliation sees it, with the mailbox's role folders (role to full name,
/// as <see cref="ImapRoleFolders"/> reads them) so a reader can tell where a role's messages belong.
/// </summary>
public sealed record ImapFolderInfo(string FullName, IReadOnlyList<string> Path, MailFolderRole Role, char Separator, uint UidValidity)
{
    public IReadOnlyDictionary<MailFolderRole, string> MailboxRoles { get; init; } = new Dictionary<MailFolderRole, string>();
}

/// <summary>One message's metadata (and, on a deep check, the SHA-256 of its bytes).</summary>
public sealed record ImapMessageInfo(uint Uid, long Size, MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset? InternalDate, string? MessageId, string? Sha256);

/// <summary>
/// Reads a mailbox's folders and, per folder, every message's UID, size, flags, keywords, INTERNALDATE and Message-ID
/// in one FETCH (no body), read-only, through the admin credential; with <c>deep</c> also every body, hashed as it
/// streams. Used by reconciliation on both sides of an IMAP-to-IMAP job and on the source of an IMAP-to-Graph job.
/// </summary>
public static class ImapMetadataReader
{
    private const MessageSummaryItems Items =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope;

    /// <summary>Streams each folder with its messages; <paramref name="requests"/> is told of every IMAP command sent (cost accounting).</summary>
    /// <exception cref="AccountFailedException">The mailbox cannot be opened.</exception>
    public static async IAsyncEnumerable<(ImapFolderInfo Folder, IReadOnlyList<ImapMessageInfo> Messages)> ReadAsync(
        ImapEndpoint endpoint, string account, bool deep, Action<int> requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        using var client = await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
        requests(2);
        var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
        // Each command waits out a throttled answer on its own (Exchange), rather than the whole mailbox being read again.
        var folders = (await ImapRetry.PatientlyAsync(() => client.GetFoldersAsync(personal, StatusItems.None, subscribedOnly: false, cancellationToken), cancellationToken)).ToList();
        requests(1);
        if (!folders.Any(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
        {
            folders.Insert(0, client.Inbox);
        }

        var roles = ImapRoleFolders.Of(folders.Where(f => !f.Attributes.HasFlag(FolderAttributes.NonExistent)));

        foreach (var folder in folders.OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent))
            {
                continue;
            }

            await ImapRetry.PatientlyAsync(() => folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken), cancellationToken);
            requests(1);
            var messages = new List<ImapMessageInfo>(folder.Count);
            if (folder.Count > 0)
            {
                var summaries = await ImapRetry.PatientlyAsync(() => folder.FetchAsync(0, -1, Items, cancellationToken), cancellationToken);
                requests(1);
                foreach (var s in summaries)
                {
                    string? hash = null;
                    if (deep)
                    {
                        hash = await ImapRetry.PatientlyAsync(
                            async () =>
                            {
                                await using var stream = await folder.GetStreamAsync(s.UniqueId, string.Empty, cancellationToken);
                                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
                            },
                            cancellationToken);
                        requests(1);
                    }

                    messages.Add(new ImapMessageInfo(
                        s.UniqueId.Id, s.Size ?? 0, s.Flags ?? MessageFlags.None, [.. s.Keywords], s.InternalDate, s.Envelope?.MessageId, hash));
                }
            }

            var path = folder.DirectorySeparator == '\0' ? [folder.FullName] : folder.FullName.Split(folder.DirectorySeparator);
            var info = new ImapFolderInfo(folder.FullName, path, RoleOf(folder), folder.DirectorySeparator, folder.UidValidity) { MailboxRoles = roles };
            // Not run again when throttled: MailKit has closed the folder on its side either way, and the next SELECT replaces it.
            await folder.CloseAsync(false, cancellationToken);
            yield return (info, messages);
        }

        await client.DisconnectAsync(true, cancellationToken);
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

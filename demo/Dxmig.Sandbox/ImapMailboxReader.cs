using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Dxmig.Sandbox;

/// <summary>
/// Reads a mailbox back over IMAP in the form a <see cref="CorpusManifest"/> is compared in: folder names, and for
/// every message its UID, SHA-256 of BODY[], size, flags, keywords, INTERNALDATE and Message-ID. Read-only (EXAMINE,
/// BODY.PEEK), so reading changes no \Seen flag.
/// </summary>
public static class ImapMailboxReader
{
    private const MessageFlags SystemFlags = MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft;

    /// <summary>The selectable folders of the personal namespace, INBOX included, sorted ordinally.</summary>
    public static async Task<IReadOnlyList<string>> ReadFolderNamesAsync(ImapClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, false, cancellationToken);
        return [.. folders
            .Where(f => !f.Attributes.HasFlag(FolderAttributes.NoSelect) && !f.Attributes.HasFlag(FolderAttributes.NonExistent))
            .Select(f => f.FullName)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Every message of every selectable folder, by folder name then UID.</summary>
    public static async Task<IReadOnlyList<StoredMessage>> ReadMessagesAsync(ImapClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var result = new List<StoredMessage>();
        foreach (var name in await ReadFolderNamesAsync(client, cancellationToken))
        {
            var folder = await client.GetFolderAsync(name, cancellationToken);
            result.AddRange(await ReadMessagesAsync(folder, cancellationToken));
        }

        return result;
    }

    /// <summary>Every message of one folder, by UID.</summary>
    public static async Task<IReadOnlyList<StoredMessage>> ReadMessagesAsync(IMailFolder folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        try
        {
            var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size);
            var summaries = await folder.FetchAsync(0, -1, request, cancellationToken);
            var result = new List<StoredMessage>(summaries.Count);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                using var body = new MemoryStream();
                using (var stream = await folder.GetStreamAsync(summary.UniqueId, string.Empty, cancellationToken))
                {
                    await stream.CopyToAsync(body, cancellationToken);
                }

                body.Position = 0;
                using var message = await MimeMessage.LoadAsync(body, cancellationToken);
                result.Add(new StoredMessage(
                    folder.FullName,
                    summary.UniqueId.Id,
                    Convert.ToHexStringLower(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length))),
                    (long?)summary.Size ?? body.Length,
                    (summary.Flags ?? MessageFlags.None) & SystemFlags,
                    [.. (summary.Keywords ?? (IEnumerable<string>)[]).Order(StringComparer.Ordinal)],
                    (summary.InternalDate ?? throw new InvalidOperationException($"no INTERNALDATE for UID {summary.UniqueId} in {folder.FullName}")).ToUniversalTime(),
                    message.MessageId));
            }

            return result;
        }
        finally
        {
            await folder.CloseAsync(false, cancellationToken);
        }
    }
}

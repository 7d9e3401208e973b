using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Imap;

/// <summary>One mailbox's size as the source server reports it.</summary>
/// <param name="Account">The mailbox's account.</param>
/// <param name="Folders">Selectable folders counted (skipped folders left out).</param>
/// <param name="Messages">Messages in them.</param>
/// <param name="Bytes">Their size in bytes (RFC822.SIZE).</param>
/// <param name="Method">How the size was read: <c>STATUS SIZE</c> or <c>FETCH RFC822.SIZE</c>.</param>
public sealed record MailboxSize(string Account, int Folders, long Messages, long Bytes, string Method);

/// <summary>
/// Reads a mailbox's message count and bytes through the admin credential: STATUS (MESSAGES SIZE) per folder where the
/// server announces STATUS=SIZE (RFC 8438), otherwise the folder is examined read-only and FETCH 1:* RFC822.SIZE summed.
/// Nothing is changed on the server.
/// </summary>
public static class MailboxSizeReader
{
    /// <param name="endpoint">The source server, secrets resolved.</param>
    /// <param name="account">The mailbox.</param>
    /// <param name="skipFolder">True for a folder the job skips (its <c>skip-folders</c> rules).</param>
    /// <param name="useStatusSize">False forces the FETCH fallback even where STATUS=SIZE is offered.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <exception cref="Contracts.AccountFailedException">The server cannot be reached or the login fails.</exception>
    public static async Task<MailboxSize> ReadAsync(ImapEndpoint endpoint, string account, Func<string, bool> skipFolder, bool useStatusSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skipFolder);
        using var client = await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
        var statusSize = useStatusSize && client.Capabilities.HasFlag(ImapCapabilities.StatusSize);
        var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
        var folders = (await client.GetFoldersAsync(personal, StatusItems.None, subscribedOnly: false, cancellationToken)).ToList();
        if (!folders.Any(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
        {
            folders.Insert(0, client.Inbox);
        }

        int counted = 0;
        long messages = 0, bytes = 0;
        foreach (var folder in folders)
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent) || skipFolder(folder.FullName))
            {
                continue;
            }

            counted++;
            if (statusSize)
            {
                await folder.StatusAsync(StatusItems.Count | StatusItems.Size, cancellationToken);
                messages += folder.Count;
                bytes += (long)(folder.Size ?? 0);
                continue;
            }

            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            messages += folder.Count;
            if (folder.Count > 0)
            {
                var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.Size, cancellationToken);
                bytes += summaries.Sum(s => (long)(s.Size ?? 0));
            }

            await folder.CloseAsync(expunge: false, cancellationToken);
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
        return new MailboxSize(account, counted, messages, bytes, statusSize ? "STATUS SIZE" : "FETCH RFC822.SIZE");
    }
}

using Dxmig.Contracts.Records;
using MailKit;
using MailKit.Net.Imap;

namespace Dxmig.Imap;

/// <summary>
/// Which folder of a mailbox plays each role, as the server itself says: INBOX, then the folders whose LIST answer
/// carries a SPECIAL-USE attribute (<c>\Sent</c>, <c>\Drafts</c>, <c>\Trash</c>, <c>\Junk</c>, <c>\Archive</c>),
/// whatever their names (送信済み, 送信済みアイテム, Sent Items …). Exchange Online sends these attributes without
/// announcing SPECIAL-USE, so they are read from LIST whatever the capabilities say. When two folders claim one role,
/// the first by name wins (the choice is stable from run to run).
/// </summary>
public static class ImapRoleFolders
{
    /// <summary>Role to the folder's full name; a role no folder carries is absent.</summary>
    public static async Task<IReadOnlyDictionary<MailFolderRole, string>> ReadAsync(ImapClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
        var folders = await client.GetFoldersAsync(personal, StatusItems.None, subscribedOnly: false, cancellationToken);
        return Of(folders.Where(f => !f.Attributes.HasFlag(FolderAttributes.NonExistent)).Append(client.Inbox));
    }

    /// <summary>The roles of folders already listed.</summary>
    public static IReadOnlyDictionary<MailFolderRole, string> Of(IEnumerable<IMailFolder> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var roles = new Dictionary<MailFolderRole, string>();
        foreach (var folder in folders.OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            var role = ImapMetadataReader.RoleOf(folder);
            if (role != MailFolderRole.None)
            {
                roles.TryAdd(role, folder.FullName);
            }
        }

        return roles;
    }
}

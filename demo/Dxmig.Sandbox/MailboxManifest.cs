namespace Dxmig.Sandbox;

/// <summary>What the corpus put into one user's mailbox: the folders it created (and INBOX) and every message.</summary>
public sealed record MailboxManifest(string User, IReadOnlyList<string> Folders, IReadOnlyList<ManifestMessage> Messages)
{
    public IEnumerable<ManifestMessage> InFolder(string folder) => Messages.Where(m => m.Folder == folder);
}

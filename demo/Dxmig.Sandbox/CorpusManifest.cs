namespace Dxmig.Sandbox;

/// <summary>
/// What <see cref="JapaneseMailCorpus"/> appended to a server, mailbox by mailbox; the reference a migration
/// target is compared against.
/// </summary>
public sealed record CorpusManifest(IReadOnlyList<MailboxManifest> Mailboxes, TimeSpan Elapsed)
{
    public IEnumerable<ManifestMessage> Messages => Mailboxes.SelectMany(m => m.Messages);

    public long TotalBytes => Messages.Sum(m => m.Size);

    /// <exception cref="KeyNotFoundException">The corpus did not fill that user's mailbox.</exception>
    public MailboxManifest this[string user] =>
        Mailboxes.FirstOrDefault(m => m.User == user) ?? throw new KeyNotFoundException($"no mailbox for {user} in the manifest");
}

using System.Text.Json.Nodes;
using System.Security.Cryptography;

namespace Dxmig.GraphEmulator.Store;

/// <summary>One user's mailbox: mail folders, messages, contact folders, contacts. Everything in it is guarded by
/// <see cref="Gate"/>; handlers hold it only for in-memory work.</summary>
internal sealed class MailboxEntity
{
    /// <summary>Well-known mail folders with the display names a Japanese Exchange Online mailbox shows.</summary>
    public static readonly (string WellKnown, string DisplayName)[] WellKnownMailFolders =
    [
        ("inbox", "受信トレイ"),
        ("sentitems", "送信済みアイテム"),
        ("drafts", "下書き"),
        ("deleteditems", "削除済みアイテム"),
        ("junkemail", "迷惑メール"),
        ("archive", "アーカイブ"),
        ("outbox", "送信トレイ"),
    ];

    private long _sequence;

    public MailboxEntity(StoredUser user)
    {
        User = user;
        MailRoot = AddFolder(MailFolders, "情報ストアのトップ", null, "msgfolderroot");
        foreach (var (wellKnown, name) in WellKnownMailFolders)
        {
            AddFolder(MailFolders, name, MailRoot.Id, wellKnown);
        }

        var contactsRoot = AddFolder(ContactFolders, "連絡先のルート", null, null);
        DefaultContacts = AddFolder(ContactFolders, "連絡先", contactsRoot.Id, "contacts");
    }

    public Lock Gate { get; } = new();

    /// <summary>Directory attributes set by <c>PATCH /users/{id}</c> (department, jobTitle, …); under <see cref="Gate"/>.</summary>
    public JsonObject Profile { get; } = new();

    /// <summary>Every <c>PATCH /users/{id}</c> body accepted, as sent; under <see cref="Gate"/>.</summary>
    public List<JsonObject> ProfilePatches { get; } = [];

    public StoredUser User { get; }

    public FolderEntity MailRoot { get; }

    public FolderEntity DefaultContacts { get; }

    public Dictionary<string, FolderEntity> MailFolders { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FolderEntity> ContactFolders { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MessageEntity> Messages { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ContactEntity> Contacts { get; } = new(StringComparer.Ordinal);

    /// <summary>Events of the default calendar and the transactionIds they were created with (see EventHandlers).</summary>
    public CalendarEntity Calendar { get; } = new();

    public long NextSequence() => ++_sequence;

    /// <summary>An opaque id in the style of Exchange's (URL-safe base64 of random bytes); unique, never reused.</summary>
    public static string NewId(string prefix)
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return prefix + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_') + "=";
    }

    public static string NewChangeKey()
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        return "CQAAAB" + Convert.ToBase64String(bytes);
    }

    public FolderEntity AddFolder(Dictionary<string, FolderEntity> folders, string displayName, string? parentId, string? wellKnown)
    {
        var folder = new FolderEntity(NewId("AQMkA"), displayName, parentId, wellKnown, NextSequence());
        folders.Add(folder.Id, folder);
        return folder;
    }

    /// <summary>A mail folder by id or well-known name (case-insensitive), or null.</summary>
    public FolderEntity? FindMailFolder(string idOrWellKnown) =>
        MailFolders.TryGetValue(idOrWellKnown, out var f)
            ? f
            : MailFolders.Values.FirstOrDefault(x => string.Equals(x.WellKnownName, idOrWellKnown, StringComparison.OrdinalIgnoreCase));

    public StoredFolder Snapshot(FolderEntity f, bool mail)
    {
        var folders = mail ? MailFolders : ContactFolders;
        var children = folders.Values.Count(x => x.ParentId == f.Id);
        var total = mail ? Messages.Values.Count(m => m.FolderId == f.Id) : Contacts.Values.Count(c => c.FolderId == f.Id);
        var unread = mail ? Messages.Values.Count(m => m.FolderId == f.Id && !m.IsRead) : 0;
        return new StoredFolder(f.Id, f.DisplayName, f.ParentId, f.WellKnownName, children, total, unread);
    }
}

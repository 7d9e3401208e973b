using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dxmig.GraphEmulator.Store;

namespace Dxmig.GraphEmulator;

/// <summary>Everything the emulator holds, and the thread-safe read-back API tests use to check what a client really
/// stored (snapshots; changing them changes nothing here).</summary>
public sealed partial class EmulatorStore
{
    private readonly ConcurrentDictionary<string, MailboxEntity> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, MailboxEntity> _byUpn = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, UploadSessionEntity> _uploads = new(StringComparer.Ordinal);
    private readonly Lock _addGate = new();

    /// <summary>Entra ID groups and Intune imported device identities.</summary>
    public GroupDirectory Groups { get; } = new();

    /// <summary>OneDrives and document libraries, with their upload sessions.</summary>
    public DriveStore Drives { get; } = new();

    /// <summary>Every user, in the order added.</summary>
    public IReadOnlyList<StoredUser> Users => _byId.Values.Select(m => m.User).OrderBy(u => u.UserPrincipalName, StringComparer.Ordinal).ToList();

    /// <summary>A user by id or UPN, or null.</summary>
    public StoredUser? FindUser(string idOrUpn) => Find(idOrUpn)?.User;

    /// <summary>A user's directory attributes as <c>PATCH /users/{id}</c> left them (a snapshot).</summary>
    public JsonObject UserProfile(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return (JsonObject)m.Profile.DeepClone();
        }
    }

    /// <summary>Every <c>PATCH /users/{id}</c> body the emulator accepted for the user, in order (snapshots).</summary>
    public IReadOnlyList<JsonObject> UserPatches(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return [.. m.ProfilePatches.Select(p => (JsonObject)p.DeepClone())];
        }
    }

    /// <summary>A user's mail folders (the hidden root excluded), in creation order.</summary>
    public IReadOnlyList<StoredFolder> MailFolders(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.MailFolders.Values.Where(f => f.ParentId is not null).OrderBy(f => f.Sequence).Select(f => m.Snapshot(f, mail: true)).ToList();
        }
    }

    /// <summary>A user's mail folder by id, well-known name, or slash-separated display-name path (受信トレイ/2024年度).</summary>
    public StoredFolder? MailFolder(string upn, string idWellKnownOrPath)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            var f = m.FindMailFolder(idWellKnownOrPath) ?? ByPath(m, idWellKnownOrPath);
            return f is null ? null : m.Snapshot(f, mail: true);
        }
    }

    /// <summary>The messages of one folder (id or well-known name), oldest first.</summary>
    public IReadOnlyList<StoredMessage> Messages(string upn, string folderIdOrWellKnown)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            var f = m.FindMailFolder(folderIdOrWellKnown) ?? ByPath(m, folderIdOrWellKnown)
                    ?? throw new ArgumentException($"No folder {folderIdOrWellKnown} in {upn}", nameof(folderIdOrWellKnown));
            return m.Messages.Values.Where(x => x.FolderId == f.Id).OrderBy(x => x.Sequence).Select(Snapshot).ToList();
        }
    }

    /// <summary>Every message of a mailbox, oldest first.</summary>
    public IReadOnlyList<StoredMessage> AllMessages(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.Messages.Values.OrderBy(x => x.Sequence).Select(Snapshot).ToList();
        }
    }

    /// <summary>A message by id, or null.</summary>
    public StoredMessage? Message(string upn, string id)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.Messages.TryGetValue(id, out var e) ? Snapshot(e) : null;
        }
    }

    /// <summary>Removes a message as a person would in Outlook (test control); false when it is not there.</summary>
    public bool DeleteMessage(string upn, string id)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.Messages.Remove(id);
        }
    }

    /// <summary>A user's contact folders (the hidden root excluded; the default one first).</summary>
    public IReadOnlyList<StoredFolder> ContactFolders(string upn)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            return m.ContactFolders.Values.Where(f => f.ParentId is not null).OrderBy(f => f.Sequence).Select(f => m.Snapshot(f, mail: false)).ToList();
        }
    }

    /// <summary>Contacts of a folder, or of the default contact folder when <paramref name="folderId"/> is null.</summary>
    public IReadOnlyList<StoredContact> Contacts(string upn, string? folderId = null)
    {
        var m = Require(upn);
        lock (m.Gate)
        {
            var id = folderId ?? m.DefaultContacts.Id;
            return m.Contacts.Values.Where(c => c.FolderId == id).OrderBy(c => c.Sequence).Select(Snapshot).ToList();
        }
    }

    /// <summary>Upload sessions not yet completed or cancelled.</summary>
    public int OpenUploadSessions => _uploads.Count;

    internal MailboxEntity AddUser(string upn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upn);
        if (!upn.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A UPN has the form name@domain: {upn}", nameof(upn));
        }

        lock (_addGate)
        {
            if (_byUpn.TryGetValue(upn, out var existing))
            {
                return existing;
            }

            var user = new StoredUser(DeterministicId(upn), upn, upn, upn[..upn.IndexOf('@', StringComparison.Ordinal)]);
            var mailbox = new MailboxEntity(user);
            _byId[user.Id] = mailbox;
            _byUpn[upn] = mailbox;
            return mailbox;
        }
    }

    internal MailboxEntity? Find(string idOrUpn) =>
        _byId.TryGetValue(idOrUpn, out var m) ? m : _byUpn.TryGetValue(idOrUpn, out m) ? m : null;

    internal IEnumerable<MailboxEntity> Mailboxes => _byId.Values;

    internal void AddUpload(UploadSessionEntity session) => _uploads[session.Id] = session;

    internal UploadSessionEntity? FindUpload(string id) => _uploads.TryGetValue(id, out var s) ? s : null;

    internal void RemoveUpload(string id) => _uploads.TryRemove(id, out _);

    /// <summary>A GUID from the UPN (SHA-256 of its lower-case form, version 8 bits set), the same on every run.</summary>
    internal static string DeterministicId(string upn)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(upn.ToLowerInvariant()));
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16)).ToString("D");
    }

    internal static StoredMessage Snapshot(MessageEntity e)
    {
        var p = e.Properties;
        return new StoredMessage(
            e.Id,
            e.FolderId,
            e.IsDraft,
            e.IsRead,
            e.Created,
            e.LastModified,
            e.Received,
            e.Sent,
            p["subject"]?.GetValue<string>(),
            p["internetMessageId"]?.GetValue<string>(),
            p["body"]?["contentType"]?.GetValue<string>(),
            p["body"]?["content"]?.GetValue<string>(),
            p["importance"]?.GetValue<string>(),
            p["flag"]?["flagStatus"]?.GetValue<string>(),
            (p["categories"] as JsonArray)?.Select(c => c!.GetValue<string>()).ToList() ?? [],
            e.Headers.ToList(),
            e.Extended.Values.ToDictionary(x => x.Id.Canonical, x => x.Value, StringComparer.Ordinal),
            e.Attachments.Select(a => a.Snapshot()).ToList(),
            e.Mime?.ToArray(),
            (JsonObject)p.DeepClone());
    }

    private static StoredContact Snapshot(ContactEntity c) => new(
        c.Id,
        c.FolderId,
        c.Properties["displayName"]?.GetValue<string>(),
        c.Created,
        c.LastModified,
        c.Extended.Values.ToDictionary(x => x.Id.Canonical, x => x.Value, StringComparer.Ordinal),
        (JsonObject)c.Properties.DeepClone());

    private static FolderEntity? ByPath(MailboxEntity m, string path)
    {
        var current = m.MailRoot;
        foreach (var part in path.Split('/'))
        {
            var next = m.MailFolders.Values.FirstOrDefault(f => f.ParentId == current.Id && string.Equals(f.DisplayName, part, StringComparison.OrdinalIgnoreCase));
            if (next is null)
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private MailboxEntity Require(string upn) => Find(upn) ?? throw new ArgumentException($"No such user: {upn}", nameof(upn));
}

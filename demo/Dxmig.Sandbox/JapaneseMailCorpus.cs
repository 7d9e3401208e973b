using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Dxmig.Sandbox;

/// <summary>
/// Realistic Japanese mailboxes for migration tests and benchmarks, the same on every run for the same options:
/// the usual Japanese folders and user folders with '.' and '㈱' in their names; ISO-2022-JP, UTF-8 and Shift_JIS
/// messages with ①②㈱髙～; raw 8-bit Shift_JIS headers, broken MIME, bad base64 and very long header lines; flags,
/// keywords and INTERNALDATEs (+09:00) over six years. <see cref="FillAsync(DovecotServer, string, CancellationToken)"/>
/// appends them as the master user with MULTIAPPEND and returns a manifest (folder, UID, SHA-256 of the exact bytes,
/// flags, keywords, INTERNALDATE, Message-ID) to compare a migration target against.
/// </summary>
public sealed class JapaneseMailCorpus
{
    public const string Inbox = "INBOX";
    public const string Sent = "送信済み";
    public const string Drafts = "下書き";
    public const string Trash = "ごみ箱";
    public const string Junk = "迷惑メール";

    private static readonly (string Folder, double Share)[] FolderShares =
    [
        (Inbox, 0.50), (Sent, 0.15), (Drafts, 0.02), (Trash, 0.06), (Junk, 0.04), ("2024年度", 0.02), ("2024年度/会議資料", 0.06),
        ("取引先", 0.02), ("取引先/㈱みらい商事", 0.06), ("a.b.c", 0.03), ("顧客 (重要)", 0.04),
    ];

    /// <summary>One of each hard case, where it typically lives, with every flag and keyword used at least once.</summary>
    private static readonly (CorpusMessageKind Kind, string Folder, MessageFlags Flags, string[] Keywords)[] SpecialCases =
    [
        (CorpusMessageKind.Iso2022Jp, Inbox, MessageFlags.Seen, ["$Label1"]),
        (CorpusMessageKind.Utf8Alternative, Inbox, MessageFlags.Seen | MessageFlags.Flagged, ["NonJunk"]),
        (CorpusMessageKind.ShiftJis, Inbox, MessageFlags.Seen | MessageFlags.Answered, ["$Forwarded", "NonJunk"]),
        (CorpusMessageKind.ShiftJis, Inbox, MessageFlags.None, []),
        (CorpusMessageKind.Raw8BitHeaders, Inbox, MessageFlags.Seen, []),
        (CorpusMessageKind.Attachment, Inbox, MessageFlags.Seen, ["$MDNSent"]),
        (CorpusMessageKind.BrokenBoundary, Inbox, MessageFlags.None, []),
        (CorpusMessageKind.BadBase64, Inbox, MessageFlags.Seen, []),
        (CorpusMessageKind.LongHeader, Inbox, MessageFlags.Seen | MessageFlags.Flagged, ["$Label1", "$Forwarded"]),
        (CorpusMessageKind.NoMessageId, Sent, MessageFlags.Seen, []),
        (CorpusMessageKind.Draft, Drafts, MessageFlags.Draft, []),
        (CorpusMessageKind.Iso2022Jp, Trash, MessageFlags.Seen, []),
        (CorpusMessageKind.Utf8Alternative, Junk, MessageFlags.None, []),
        (CorpusMessageKind.Iso2022Jp, "2024年度", MessageFlags.Seen, []),
        (CorpusMessageKind.Attachment, "2024年度/会議資料", MessageFlags.Seen | MessageFlags.Answered, ["$Label1"]),
        (CorpusMessageKind.ShiftJis, "取引先", MessageFlags.Seen, []),
        (CorpusMessageKind.Iso2022Jp, "取引先/㈱みらい商事", MessageFlags.Seen | MessageFlags.Answered, ["$Forwarded"]),
        (CorpusMessageKind.Utf8Alternative, "a.b.c", MessageFlags.Seen, ["$MDNSent"]),
        (CorpusMessageKind.Raw8BitHeaders, "顧客 (重要)", MessageFlags.Flagged, ["NonJunk"]),
    ];

    public JapaneseMailCorpus(JapaneseMailCorpusOptions? options = null)
    {
        Options = options ?? new JapaneseMailCorpusOptions();
        if (Options.MessagesPerMailbox < 0 || Options.AppendBatchSize < 1 || Options.MaxParallelMailboxes < 1)
        {
            throw new ArgumentException("MessagesPerMailbox must not be negative; AppendBatchSize and MaxParallelMailboxes must be positive", nameof(options));
        }
    }

    /// <summary>The folders of every mailbox (INBOX first, parents before children, '/' as separator).</summary>
    public static IReadOnlyList<string> Folders { get; } = [.. FolderShares.Select(f => f.Folder)];

    /// <summary>The keywords the corpus sets.</summary>
    public static IReadOnlyList<string> Keywords { get; } = ["$Label1", "$MDNSent", "NonJunk", "$Forwarded"];

    /// <summary>How many special cases a mailbox gets when <see cref="JapaneseMailCorpusOptions.IncludeSpecialCases"/> is on.</summary>
    public static int SpecialCaseCount => SpecialCases.Length;

    public JapaneseMailCorpusOptions Options { get; }

    /// <summary>The messages of one user's mailbox, generated lazily (large profiles do not fit in memory at once).</summary>
    public IEnumerable<CorpusMessage> Generate(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        var random = new Random(Options.Seed ^ StableHash(user));
        var builder = new JapaneseMessageBuilder(user, random);
        var specials = Options.IncludeSpecialCases ? SpecialCases : [];
        foreach (var (kind, folder, flags, keywords) in specials)
        {
            var size = kind == CorpusMessageKind.Attachment ? 0 : 4_000;
            yield return builder.Build(kind, folder, size, flags, keywords, kind == CorpusMessageKind.Attachment ? Options.AttachmentSizes : null);
        }

        var ordinary = Math.Max(0, Options.MessagesPerMailbox - specials.Length);
        var sizes = Options.Sizes.Sample(ordinary, random);
        foreach (var size in sizes)
        {
            var folder = PickFolder(random);
            var kind = PickKind(folder, size, random);
            var (flags, keywords) = PickFlags(folder, random);
            yield return builder.Build(kind, folder, size, flags, keywords);
        }
    }

    /// <summary>Fills one user's mailbox on <paramref name="server"/>, logged in as <c>user*master</c>.</summary>
    public async Task<MailboxManifest> FillAsync(DovecotServer server, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var client = await server.ConnectAsMasterAsync(user, cancellationToken);
        var manifest = await FillAsync(client, user, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        return manifest;
    }

    /// <summary>Fills several mailboxes, <see cref="JapaneseMailCorpusOptions.MaxParallelMailboxes"/> at a time.</summary>
    public async Task<CorpusManifest> FillAsync(DovecotServer server, IEnumerable<string> users, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(users);
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(Options.MaxParallelMailboxes);
        var mailboxes = await Task.WhenAll(users.Select(async user =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await FillAsync(server, user, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return new CorpusManifest(mailboxes, clock.Elapsed);
    }

    /// <summary>
    /// Fills the mailbox behind an authenticated client (any IMAP server with UIDPLUS and '/' as hierarchy
    /// separator): creates the folders that are missing and appends <see cref="Generate"/>'s messages, batched per
    /// folder (one MULTIAPPEND per batch where the server has it).
    /// </summary>
    /// <exception cref="NotSupportedException">The server's hierarchy separator is not '/'.</exception>
    /// <exception cref="InvalidOperationException">The server gave no APPENDUID, or MimeKit would not send a message's bytes unchanged.</exception>
    public async Task<MailboxManifest> FillAsync(ImapClient client, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var folders = await EnsureFoldersAsync(client, cancellationToken);
        var batches = Folders.ToDictionary(f => f, _ => new List<(CorpusMessage Message, MimeMessage Mime)>(), StringComparer.Ordinal);
        var batchBytes = Folders.ToDictionary(f => f, _ => 0L, StringComparer.Ordinal);
        var appended = new List<ManifestMessage>();
        try
        {
            foreach (var message in Generate(user))
            {
                var batch = batches[message.Folder];
                batch.Add((message, Parse(message)));
                batchBytes[message.Folder] += message.Bytes.Length;
                if (batch.Count >= Options.AppendBatchSize || batchBytes[message.Folder] >= Options.AppendBatchBytes)
                {
                    await FlushAsync(user, folders[message.Folder], batch, appended, cancellationToken);
                    batchBytes[message.Folder] = 0;
                }
            }

            foreach (var folder in Folders)
            {
                await FlushAsync(user, folders[folder], batches[folder], appended, cancellationToken);
            }
        }
        finally
        {
            foreach (var pending in batches.Values.SelectMany(b => b))
            {
                pending.Mime.Dispose();
            }
        }

        var order = Folders.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
        return new MailboxManifest(user, Folders, [.. appended.OrderBy(m => order[m.Folder]).ThenBy(m => m.Uid)]);
    }

    private static async Task<Dictionary<string, IMailFolder>> EnsureFoldersAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var personal = client.PersonalNamespaces[0];
        if (personal.DirectorySeparator != '/')
        {
            throw new NotSupportedException($"the corpus's folder names use '/' as hierarchy separator; this server uses '{personal.DirectorySeparator}'");
        }

        var existing = (await client.GetFoldersAsync(personal, StatusItems.None, false, cancellationToken))
            .ToDictionary(f => f.FullName, StringComparer.Ordinal);
        var result = new Dictionary<string, IMailFolder>(StringComparer.Ordinal) { [Inbox] = client.Inbox };
        foreach (var name in Folders.Where(f => f != Inbox))
        {
            if (existing.TryGetValue(name, out var folder) && !folder.Attributes.HasFlag(FolderAttributes.NonExistent) && !folder.Attributes.HasFlag(FolderAttributes.NoSelect))
            {
                result[name] = folder;
                continue;
            }

            var slash = name.LastIndexOf('/');
            var parent = slash < 0 ? client.GetFolder(personal) : result[name[..slash]];
            result[name] = await parent.CreateAsync(slash < 0 ? name : name[(slash + 1)..], true, cancellationToken)
                ?? throw new InvalidOperationException($"the server did not create {name}");
        }

        return result;
    }

    private static async Task FlushAsync(string user, IMailFolder folder, List<(CorpusMessage Message, MimeMessage Mime)> batch, List<ManifestMessage> appended, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var requests = batch.Select(b => (IAppendRequest)new AppendRequest(b.Mime, b.Message.Flags, b.Message.Keywords, b.Message.InternalDate)).ToList();
            var uids = await folder.AppendAsync(JapaneseMessageBuilder.Wire, requests, cancellationToken);
            if (uids.Count != batch.Count)
            {
                throw new InvalidOperationException($"APPEND to {folder.FullName} returned {uids.Count} UIDs for {batch.Count} messages (no UIDPLUS?)");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var m = batch[i].Message;
                appended.Add(new ManifestMessage(
                    user,
                    m.Folder,
                    uids[i].Validity,
                    uids[i].Id,
                    Convert.ToHexStringLower(SHA256.HashData(m.Bytes.Span)),
                    m.Bytes.Length,
                    m.Flags,
                    [.. m.Keywords.Order(StringComparer.Ordinal)],
                    m.InternalDate,
                    m.MessageId,
                    m.Kind));
            }
        }
        finally
        {
            foreach (var (_, mime) in batch)
            {
                mime.Dispose();
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// The message as MailKit will send it: exactly its bytes (see <see cref="RawBodyEntity"/>), checked here so that a
    /// manifest never holds the hash of bytes the server did not get.
    /// </summary>
    private static MimeMessage Parse(CorpusMessage message)
    {
        var mime = RawBodyEntity.Wrap(message.Bytes);
        using var check = new MemoryStream(message.Bytes.Length);
        mime.WriteTo(JapaneseMessageBuilder.Wire, check);
        var written = check.GetBuffer().AsSpan(0, (int)check.Length);
        if (!written.SequenceEqual(message.Bytes.Span))
        {
            mime.Dispose();
            var at = written.CommonPrefixLength(message.Bytes.Span);
            throw new InvalidOperationException(
                $"MimeKit would change the bytes of a {message.Kind} message in {message.Folder} at offset {at}: "
                + $"'{Encoding.Latin1.GetString(message.Bytes.Span[at..Math.Min(message.Bytes.Length, at + 60)])}' "
                + $"would be sent as '{Encoding.Latin1.GetString(written[at..Math.Min(written.Length, at + 60)])}'");
        }

        return mime;
    }

    private static string PickFolder(Random random)
    {
        var u = random.NextDouble() * FolderShares.Sum(f => f.Share);
        foreach (var (folder, share) in FolderShares)
        {
            if (u < share)
            {
                return folder;
            }

            u -= share;
        }

        return Inbox;
    }

    private static CorpusMessageKind PickKind(string folder, int size, Random random)
    {
        if (folder == Drafts)
        {
            return CorpusMessageKind.Draft;
        }

        if (size > JapaneseMessageBuilder.TextOnlyLimit)
        {
            return CorpusMessageKind.Attachment;
        }

        var u = random.NextDouble();
        return u switch
        {
            < 0.45 => CorpusMessageKind.Iso2022Jp,
            < 0.80 => CorpusMessageKind.Utf8Alternative,
            < 0.92 => CorpusMessageKind.ShiftJis,
            _ when size > 12_000 => CorpusMessageKind.Attachment,
            _ => CorpusMessageKind.Iso2022Jp,
        };
    }

    private static (MessageFlags Flags, string[] Keywords) PickFlags(string folder, Random random)
    {
        bool Chance(double p) => random.NextDouble() < p;
        var flags = folder switch
        {
            Inbox => (Chance(0.75) ? MessageFlags.Seen : 0) | (Chance(0.12) ? MessageFlags.Answered : 0) | (Chance(0.08) ? MessageFlags.Flagged : 0),
            Sent => MessageFlags.Seen,
            Drafts => MessageFlags.Draft | (Chance(0.5) ? MessageFlags.Seen : 0),
            Junk => Chance(0.3) ? MessageFlags.Seen : 0,
            _ => (Chance(0.95) ? MessageFlags.Seen : 0) | (Chance(0.05) ? MessageFlags.Flagged : 0),
        };
        var keywords = new List<string>();
        if (folder == Inbox)
        {
            AddIf(Chance(0.30), "NonJunk");
            AddIf(Chance(0.05), "$Forwarded");
            AddIf(Chance(0.03), "$MDNSent");
        }

        AddIf(folder != Junk && Chance(0.05), "$Label1");
        return (flags, [.. keywords]);

        void AddIf(bool condition, string keyword)
        {
            if (condition)
            {
                keywords.Add(keyword);
            }
        }
    }

    /// <summary>FNV-1a of the UTF-8 name: string.GetHashCode differs between runs.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return unchecked((int)hash);
    }
}

using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Extractors.Imap;
using Dxmig.Imap;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Mail;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace Dxmig.Extractors.Tests.Imap;

/// <summary>The IMAP extractor against a real private Dovecot; each test has a mailbox of its own.</summary>
public sealed class ImapMailExtractorTests(DovecotFixture dovecot) : IClassFixture<DovecotFixture>, IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Extract_EveryFolder_WithItsFlagsKeywordsAndUidValidityUidKeys()
    {
        using var client = await dovecot.Server.ConnectAsMasterAsync("user01");
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var reports = (await (await root.CreateAsync("業務", true))!.CreateAsync("報告", true))!;
        await AppendAsync(client.Inbox, "notice", "お知らせ", MessageFlags.Seen);
        await AppendAsync(client.Inbox, "urgent", "至急: 予算", MessageFlags.Flagged, "$label1");
        await AppendAsync(reports, "monthly", "月次報告", MessageFlags.None);
        var inboxValidity = await UidValidityAsync(client.Inbox);
        var reportsValidity = await UidValidityAsync(reports);

        var items = await ExtractAsync("user01", new MemoryLedger());

        items.Should().OnlyContain(i => i.Problem == null && !i.Removal && i.Payload!.Change == MailChange.New && i.Payload.Content != null);
        items.Select(i => (i.Key.Container, i.Key.NativeId, i.Payload!.FolderPath.Count)).Should().BeEquivalentTo(new[]
        {
            ("INBOX", $"{inboxValidity}:1", 1),
            ("INBOX", $"{inboxValidity}:2", 1),
            ("業務/報告", $"{reportsValidity}:1", 2),
        });
        var urgent = items.Single(i => i.Payload!.MessageId == "urgent@example.jp").Payload!;
        urgent.Flags.Should().Equal("\\Flagged");
        urgent.Keywords.Should().Equal("$label1");
        items.Single(i => i.Payload!.MessageId == "notice@example.jp").Payload!.Flags.Should().Equal("\\Seen");
        items.Should().OnlyContain(i => i.Key.System == ImapMailExtractor.SystemName && i.Key.Account == "user01");
    }

    [Fact]
    public async Task Extract_SecondRunFromTheCheckpoints_ReadsOnlyTheNewMessage_AndTheFlagsThatChanged()
    {
        using var client = await dovecot.Server.ConnectAsMasterAsync("user02");
        await AppendAsync(client.Inbox, "first", "一通目", MessageFlags.None);
        await AppendAsync(client.Inbox, "second", "二通目", MessageFlags.None);
        var ledger = new MemoryLedger();
        ledger.Record(await ExtractAsync("user02", ledger));
        var validity = await UidValidityAsync(client.Inbox);

        await AppendAsync(client.Inbox, "third", "三通目", MessageFlags.None);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AddFlagsAsync(new UniqueId(validity, 1), MessageFlags.Seen, silent: true);
        var second = await ExtractAsync("user02", ledger);

        ledger.Checkpoints.Should().ContainKey("INBOX").WhoseValue.HighestUid.Should().Be(3);
        second.Select(i => (i.Key.NativeId, i.Payload!.Change, i.Payload.MessageId)).Should().BeEquivalentTo(new[]
        {
            ($"{validity}:3", MailChange.New, (string?)"third@example.jp"),
            ($"{validity}:1", MailChange.Flags, (string?)null),
        });
        second.Single(i => i.Payload!.Change == MailChange.Flags).Payload!.Flags.Should().Equal("\\Seen");
        second.Single(i => i.Payload!.Change == MailChange.Flags).Payload!.Content.Should().BeNull("no body is read for a flag change");
    }

    [Fact]
    public async Task Extract_AMessageDeletedOnTheSource_IsYieldedAsARemoval_WhenDeletionsMirror()
    {
        using var client = await dovecot.Server.ConnectAsMasterAsync("user03");
        for (var i = 1; i <= 4; i++)
        {
            await AppendAsync(client.Inbox, $"minutes{i}", $"議事録{i}", MessageFlags.None);
        }

        var ledger = new MemoryLedger();
        var first = await ExtractAsync("user03", ledger, DeletionPolicy.Mirror);
        ledger.Record(first);
        var validity = await UidValidityAsync(client.Inbox);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.AddFlagsAsync(new UniqueId(validity, 2), MessageFlags.Deleted, silent: true);
        await client.Inbox.ExpungeAsync();

        var second = await ExtractAsync("user03", ledger, DeletionPolicy.Mirror);

        var removal = second.Should().ContainSingle().Subject;
        removal.Removal.Should().BeTrue();
        removal.Key.NativeId.Should().Be($"{validity}:2");
        removal.Payload!.Change.Should().Be(MailChange.Removal);
        removal.Payload.BodySha256.Should().Be(first.Single(i => i.Key.NativeId == $"{validity}:2").Payload!.BodySha256);
    }

    private async Task<List<SourceItem<SourceMessage>>> ExtractAsync(string user, MemoryLedger ledger, DeletionPolicy deletions = DeletionPolicy.Keep)
    {
        var options = new ImapSourceOptions
        {
            Endpoint = new ImapEndpoint
            {
                Host = dovecot.Server.Host,
                Port = dovecot.Server.Port,
                Security = ImapSecurity.None,
                AdminUser = dovecot.Server.MasterUser,
                AdminPassword = dovecot.Server.MasterPassword,
            },
            Deletions = deletions,
            DeletionThresholdPercent = 30,
            TemporaryFolder = temp.File("bodies"),
        };
        var extractor = new ImapMailExtractor(options, NullLogger<ImapMailExtractor>.Instance);
        var items = new List<SourceItem<SourceMessage>>();
        await foreach (var item in extractor.ExtractAsync(user, new ExtractContext(ledger, ledger), CancellationToken.None))
        {
            items.Add(item);
        }

        items.ForEach(i => i.Payload?.Dispose());
        return items;
    }

    private static async Task AppendAsync(IMailFolder folder, string id, string subject, MessageFlags flags, params string[] keywords)
    {
        var message = new MimeMessage(
            [new MailboxAddress("田中", "tanaka@example.jp")], [new MailboxAddress("鈴木", "suzuki@example.jp")], subject, new TextPart("plain") { Text = $"{subject}\r\n" })
        {
            MessageId = $"{id}@example.jp",
        };
        await folder.AppendAsync(new AppendRequest(message, flags) { Keywords = new HashSet<string>(keywords) });
    }

    private static async Task<uint> UidValidityAsync(IMailFolder folder)
    {
        await folder.OpenAsync(FolderAccess.ReadOnly);
        return folder.UidValidity;
    }

    /// <summary>What a run's ledger gives the extractor: checkpoints, and the items loaded so far (as the pipeline records them).</summary>
    private sealed class MemoryLedger : ICheckpointAccess, IKnownItems
    {
        private readonly Dictionary<string, Dictionary<string, KnownItem>> loaded = new(StringComparer.Ordinal);

        public Dictionary<string, Checkpoint> Checkpoints { get; } = new(StringComparer.Ordinal);

        public void Record(IEnumerable<SourceItem<SourceMessage>> items)
        {
            foreach (var item in items.Where(i => i.Problem is null && !i.Removal))
            {
                if (!loaded.TryGetValue(item.Key.Container, out var container))
                {
                    loaded[item.Key.Container] = container = new Dictionary<string, KnownItem>(StringComparer.Ordinal);
                }

                container[item.Key.NativeId] = new KnownItem(item.Key.NativeId, item.ContentHash, "Loaded", $"imap:{item.Key.NativeId}");
            }
        }

        public Task<Checkpoint?> GetAsync(string container, CancellationToken cancellationToken) => Task.FromResult(Checkpoints.GetValueOrDefault(container));

        public Task SaveAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            Checkpoints[checkpoint.Container] = checkpoint;
            return Task.CompletedTask;
        }

        public Task<IReadOnlyDictionary<string, KnownItem>> LookupAsync(string container, IReadOnlyCollection<string> nativeIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, KnownItem>>(
                loaded.GetValueOrDefault(container)?.Where(e => nativeIds.Contains(e.Key)).ToDictionary() ?? new Dictionary<string, KnownItem>());

        public async IAsyncEnumerable<KnownItem> ListLoadedAsync(string container, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var entry in loaded.GetValueOrDefault(container)?.Values ?? Enumerable.Empty<KnownItem>())
            {
                yield return entry;
            }
        }
    }
}

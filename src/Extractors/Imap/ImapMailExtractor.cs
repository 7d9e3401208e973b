using System.Globalization;
using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Imap;
using Dxmig.Platform.Pipeline;
using Dxmig.Contracts.Records;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Logging;

namespace Dxmig.Extractors.Imap;

/// <summary>
/// Reads mailboxes from an IMAP server (Active! Mail's store) through the admin credential. Per folder: new messages
/// after the checkpoint (UID ranges), their metadata in one FETCH per batch and their bodies streamed in one FETCH per
/// batch (each body held once: memory or a temporary file); then, on later runs, flag changes (CONDSTORE CHANGEDSINCE,
/// or a flags-only compare with the ledger where the server lacks it) and, with the mirror policy, messages that
/// vanished. A folder whose UIDVALIDITY changed is read again with every message marked in doubt, so the loader
/// matches it on the target instead of copying it twice. A no-change run reads no body at all.
/// </summary>
public sealed class ImapMailExtractor(ImapSourceOptions options, ILogger<ImapMailExtractor> logger) : IExtractor<SourceMessage>
{
    public const string SystemName = "imap";

    private EarlyLogins? early;

    /// <summary>
    /// Logs in to the source ahead of the accounts' turns: the first <paramref name="ahead"/> accounts now (while the
    /// run opens its ledger), then each time an account starts, the one <paramref name="ahead"/> places further on.
    /// </summary>
    public void ConnectEarly(IReadOnlyList<string> accounts, int ahead, CancellationToken cancellationToken)
    {
        early ??= new EarlyLogins(options.Endpoint, logger, TimeProvider.System);
        early.Start(accounts, ahead, cancellationToken);
    }

    /// <summary>Closes the early logins no account took (a run that stopped or failed before reaching them).</summary>
    public async Task DropEarlyConnectionsAsync()
    {
        if (early is not null)
        {
            await early.DisposeAsync();
        }
    }

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SourceEstimate?>(null);

    public async IAsyncEnumerable<SourceItem<SourceMessage>> ExtractAsync(
        string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = new Session(options.Endpoint, account, early is null ? null : await early.TakeAsync(account), cancellationToken);
        try
        {
            var folders = await session.RunAsync(ListFoldersAsync);
            foreach (var (name, path, role, status) in folders)
            {
                await foreach (var item in ReadFolderAsync(session, account, name, path, role, status, context, cancellationToken))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    /// <summary>
    /// Every selectable folder with its role and, where the server answers STATUS in the listing (LIST-STATUS), its
    /// UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ: an unchanged folder is then passed over without being selected.
    /// </summary>
    private static async Task<List<(string Name, IReadOnlyList<string> Path, MailFolderRole Role, FolderState? Status)>> ListFoldersAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var result = new List<(string, IReadOnlyList<string>, MailFolderRole, FolderState?)>();
        var personal = client.PersonalNamespaces.Count > 0 ? client.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
        var condStore = client.Capabilities.HasFlag(ImapCapabilities.CondStore);
        var items = StatusItems.UidValidity | StatusItems.UidNext | (condStore ? StatusItems.HighestModSeq : StatusItems.None);
        var withStatus = client.Capabilities.HasFlag(ImapCapabilities.ListStatus);
        var folders = await client.GetFoldersAsync(personal, withStatus ? items : StatusItems.None, subscribedOnly: false, cancellationToken);
        var all = folders.ToList();
        if (!all.Any(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
        {
            all.Insert(0, client.Inbox);
        }

        foreach (var folder in all.OrderBy(f => f.FullName, StringComparer.Ordinal))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent))
            {
                continue;
            }

            var path = folder.DirectorySeparator == '\0' ? [folder.FullName] : folder.FullName.Split(folder.DirectorySeparator);
            var status = withStatus && folder.UidValidity != 0 && folder.UidNext is { } next
                ? new FolderState(folder.UidValidity, next.Id, condStore ? folder.HighestModSeq : null)
                : null;
            result.Add((folder.FullName, path, RoleOf(folder), status));
        }

        return result;
    }

    private static MailFolderRole RoleOf(IMailFolder folder) => ImapMetadataReader.RoleOf(folder);

    private async IAsyncEnumerable<SourceItem<SourceMessage>> ReadFolderAsync(
        Session session, string account, string name, IReadOnlyList<string> path, MailFolderRole role, FolderState? listed, ExtractContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var checkpoint = await context.Checkpoints.GetAsync(name, cancellationToken);
        if (Unchanged(listed, checkpoint))
        {
            logger.LogDebug("{Account}: {Folder} は変更なし (STATUS) / unchanged", account, name);
            yield break;
        }

        var state = await session.RunAsync(async (client, ct) =>
        {
            var folder = (ImapFolder)await client.GetFolderAsync(name, ct);
            await folder.OpenAsync(FolderAccess.ReadOnly, ct);
            return new FolderState(folder.UidValidity, folder.UidNext?.Id, client.Capabilities.HasFlag(ImapCapabilities.CondStore) ? folder.HighestModSeq : null);
        });
        var incremental = checkpoint is { UidValidity: { } v } && v == state.UidValidity;
        var rescan = checkpoint is not null && !incremental;
        if (rescan)
        {
            logger.LogWarning(
                "{Account}: フォルダ {Folder} の UIDVALIDITY が {Old} から {New} に変わりました。読み直し、移行先で Message-ID とハッシュで照合します / UIDVALIDITY changed: reading the folder again and matching each message on the target",
                account, name, checkpoint!.UidValidity, state.UidValidity);
        }

        var highestKnown = incremental ? (uint)(checkpoint!.HighestUid ?? 0) : 0u;
        if (Unchanged(state, checkpoint))
        {
            logger.LogDebug("{Account}: {Folder} は変更なし / unchanged", account, name);
            yield break;
        }

        var skipRule = options.SkipFolders.FirstOrDefault(r => r.Pattern.IsMatch(name));
        var newUids = await session.RunAsync(async (client, ct) =>
        {
            var folder = await OpenAsync(client, name, ct);
            var found = await folder.SearchAsync(SearchQuery.Uids(new UniqueIdRange(state.UidValidity, highestKnown + 1, uint.MaxValue)), ct);
            return found.Where(u => u.Id > highestKnown).Select(u => u.Id).Order().ToList();
        });

        var highest = highestKnown;
        foreach (var chunk in newUids.Chunk(options.FetchBatch))
        {
            var metadata = await session.RunAsync((client, ct) => FetchMetadataAsync(client, name, state.UidValidity, chunk, skipRule, ct));
            foreach (var skipped in metadata.Where(m => m.Skip is not null))
            {
                yield return ToItem(account, name, path, role, state.UidValidity, skipped, rescan);
            }

            // Bodies in groups of at most BodyGroupBytes, each yielded before the next is read: a group waiting for the
            // memory budget never holds more than its own few megabytes, so it can never be what keeps the budget spent.
            foreach (var group in Batching.BySize(metadata.Where(m => m.Skip is null), m => (long)(m.Summary.Size ?? 0), BodyGroupBytes))
            {
                var contents = await session.RunRawAsync((raw, ct) => FetchBodiesAsync(raw, name, state.UidValidity, group, ct));
                foreach (var message in group)
                {
                    if (contents.TryGetValue(message.Summary.UniqueId.Id, out var content))
                    {
                        message.Content = content;
                        yield return ToItem(account, name, path, role, state.UidValidity, message, rescan);
                    }

                    // No body: expunged between the metadata and the body FETCH; it is no longer there to copy.
                }
            }

            highest = Math.Max(highest, chunk[^1]);
            await context.Checkpoints.SaveAsync(
                new Checkpoint(name, state.UidValidity, highest, incremental ? checkpoint!.HighestModSeq : null, null), cancellationToken);
        }

        if (incremental && highestKnown > 0)
        {
            await foreach (var item in FlagChangesAsync(session, account, name, path, role, state, checkpoint!, context, cancellationToken))
            {
                yield return item;
            }
        }

        if (options.Deletions == DeletionPolicy.Mirror && !rescan)
        {
            await foreach (var item in RemovalsAsync(session, account, name, path, role, state, context, cancellationToken))
            {
                yield return item;
            }
        }

        await context.Checkpoints.SaveAsync(
            new Checkpoint(name, state.UidValidity, highest, (long?)state.HighestModSeq, null), cancellationToken);
    }

    private async Task<List<Fetched>> FetchMetadataAsync(
        ImapClient client, string name, uint uidValidity, uint[] chunk, FolderSkipRule? skipRule, CancellationToken cancellationToken)
    {
        var folder = await OpenAsync(client, name, cancellationToken);
        var uids = chunk.Select(u => new UniqueId(uidValidity, u)).ToList();
        // No header section: the Message-ID is read from the body's own first bytes once it is fetched.
        var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size);
        var summaries = (await folder.FetchAsync(uids, request, cancellationToken)).ToDictionary(s => s.UniqueId.Id);
        var result = new List<Fetched>(chunk.Length);
        foreach (var uid in chunk)
        {
            if (!summaries.TryGetValue(uid, out var summary))
            {
                continue; // expunged between SEARCH and FETCH: it is not there to copy.
            }

            var skip = skipRule is not null
                ? ItemProblem.Skip($"folder:{skipRule.Rule}", $"フォルダ {name} は規則 {skipRule.Rule} で移行しません", $"folder {name} is skipped by rule {skipRule.Rule}")
                : options.MaxMessageSize is { } max && summary.Size > max
                    ? ItemProblem.Skip("max-size", $"{summary.Size} バイトで上限 {max} を超えます", $"{summary.Size} bytes is over the limit of {max}")
                    : options.NotBefore is { } notBefore && summary.InternalDate < notBefore
                        ? ItemProblem.Skip("max-age", $"受信日 {summary.InternalDate:yyyy-MM-dd} が {notBefore:yyyy-MM-dd} より前です", $"received {summary.InternalDate:yyyy-MM-dd}, before {notBefore:yyyy-MM-dd}")
                        : options.TargetMaxMessageSize is { } limit && summary.Size > limit
                            ? ItemProblem.Quarantine("too-large-for-target", $"{summary.Size:N0} バイトで移行先の上限 {limit:N0} バイトを超えます", $"{summary.Size:N0} bytes is over the target's limit of {limit:N0} bytes")
                            : null;
            result.Add(new Fetched(summary, skip));
        }

        return result;
    }

    /// <summary>The bodies of one group, streamed in one UID FETCH straight into their spools (memory within the budget, or a file).</summary>
    private Task<Dictionary<uint, MessageContent>> FetchBodiesAsync(RawImapConnection raw, string name, uint uidValidity, List<Fetched> group, CancellationToken cancellationToken) =>
        raw.FetchBodiesAsync(
            name,
            uidValidity,
            [.. group.Select(f => f.Summary.UniqueId.Id)],
            (stream, length, ct) => MessageContent.CopyAsync(stream, length, options.TemporaryFolder, ct, options.Memory, wait: true),
            cancellationToken);

    /// <summary>Bytes of bodies fetched in one FETCH command.</summary>
    private const long BodyGroupBytes = 4L * 1024 * 1024;

    private static SourceItem<SourceMessage> ToItem(
        string account, string name, IReadOnlyList<string> path, MailFolderRole role, uint uidValidity, Fetched fetched, bool rescan)
    {
        var summary = fetched.Summary;
        var (flags, keywords) = FlagsOf(summary);
        var uid = summary.UniqueId.Id;
        var key = Key(account, name, uidValidity, uid);
        var location = $"{name} UID {uid}";
        var size = (long)(summary.Size ?? 0);
        if (fetched.Skip is not null)
        {
            return SourceItem<SourceMessage>.Bad(key, $"skip|{MailHashes.FlagsHash(flags, keywords)}", size, location, fetched.Skip);
        }

        var content = fetched.Content!;
        var message = new SourceMessage
        {
            Folder = name,
            FolderPath = path,
            Role = role,
            UidValidity = uidValidity,
            Uid = uid,
            Flags = flags,
            Keywords = keywords,
            InternalDate = summary.InternalDate,
            Size = content.Length,
            MessageId = MailHeaderBlock.MessageId(content.Prefix.Span),
            Change = MailChange.New,
            BodySha256 = content.Sha256,
            Content = content,
            EightBitHeader = MailHeaderBlock.EightBitHeader(content),
        };
        return SourceItem<SourceMessage>.Ok(key, MailHashes.Content(content.Sha256, flags, keywords), content.Length, location, message) with { InDoubt = rescan };
    }

    private static async IAsyncEnumerable<SourceItem<SourceMessage>> FlagChangesAsync(
        Session session, string account, string name, IReadOnlyList<string> path, MailFolderRole role, FolderState state, Checkpoint checkpoint,
        ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var range = new UniqueIdRange(state.UidValidity, 1, (uint)checkpoint.HighestUid!.Value);
        var changedSince = state.HighestModSeq is not null && checkpoint.HighestModSeq is { } since ? (ulong?)since : null;
        if (state.HighestModSeq is not null && changedSince is not null && state.HighestModSeq <= changedSince)
        {
            yield break;
        }

        var summaries = await session.RunAsync(async (client, ct) =>
        {
            var folder = await OpenAsync(client, name, ct);
            var request = new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
            if (changedSince is { } modseq)
            {
                request.ChangedSince = modseq;
            }

            return (await folder.FetchAsync(range, request, ct)).ToList();
        });

        foreach (var chunk in summaries.Chunk(500))
        {
            var ids = chunk.Select(s => NativeId(state.UidValidity, s.UniqueId.Id)).ToList();
            var known = await context.Known.LookupAsync(name, ids, cancellationToken);
            foreach (var summary in chunk)
            {
                if (!known.TryGetValue(NativeId(state.UidValidity, summary.UniqueId.Id), out var entry) || entry.State != "Loaded" ||
                    MailHashes.BodyOf(entry.ContentHash) is not { } body)
                {
                    continue;
                }

                var (flags, keywords) = FlagsOf(summary);
                var hash = MailHashes.Content(body, flags, keywords);
                if (hash == entry.ContentHash)
                {
                    continue;
                }

                var uid = summary.UniqueId.Id;
                var message = Known(name, path, role, state.UidValidity, uid, MailChange.Flags, body) with { Flags = flags, Keywords = keywords };
                yield return SourceItem<SourceMessage>.Ok(Key(account, name, state.UidValidity, uid), hash, 0, $"{name} UID {uid}", message);
            }
        }
    }

    private async IAsyncEnumerable<SourceItem<SourceMessage>> RemovalsAsync(
        Session session, string account, string name, IReadOnlyList<string> path, MailFolderRole role, FolderState state,
        ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var present = await session.RunAsync(async (client, ct) =>
        {
            var folder = await OpenAsync(client, name, ct);
            return (await folder.SearchAsync(SearchQuery.All, ct)).Select(u => u.Id).ToHashSet();
        });
        var prefix = $"{state.UidValidity}:";
        var known = 0;
        var vanished = new List<KnownItem>();
        await foreach (var entry in context.Known.ListLoadedAsync(name, cancellationToken))
        {
            if (!entry.NativeId.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            known++;
            if (!present.Contains(uint.Parse(entry.NativeId[prefix.Length..], CultureInfo.InvariantCulture)))
            {
                vanished.Add(entry);
            }
        }

        if (vanished.Count == 0)
        {
            yield break;
        }

        var percent = vanished.Count * 100.0 / known;
        if (percent > options.DeletionThresholdPercent)
        {
            context.Warn(
                $"フォルダ {name} で {vanished.Count} 件 ({percent:0.#}%) が移行元から消えていますが、しきい値 {options.DeletionThresholdPercent}% を超えるため移行先では削除しません。意図した削除なら確認のうえしきい値を上げて再実行してください",
                $"{vanished.Count} message(s) ({percent:0.#}%) vanished from folder {name}, over the {options.DeletionThresholdPercent}% threshold: nothing was deleted on the target; if intended, raise the threshold and run again");
            yield break;
        }

        foreach (var entry in vanished)
        {
            var uid = uint.Parse(entry.NativeId[prefix.Length..], CultureInfo.InvariantCulture);
            var message = Known(name, path, role, state.UidValidity, uid, MailChange.Removal, MailHashes.BodyOf(entry.ContentHash) ?? string.Empty);
            yield return SourceItem<SourceMessage>.Ok(Key(account, name, state.UidValidity, uid), "removed", 0, $"{name} UID {uid}", message) with { Removal = true };
        }
    }

    /// <summary>A message the ledger already knows, without its bytes (a flags-only change or a removal).</summary>
    private static SourceMessage Known(string name, IReadOnlyList<string> path, MailFolderRole role, uint uidValidity, uint uid, MailChange change, string bodySha256) => new()
    {
        Folder = name,
        FolderPath = path,
        Role = role,
        UidValidity = uidValidity,
        Uid = uid,
        Change = change,
        BodySha256 = bodySha256,
    };

    private static (IReadOnlyList<string> Flags, IReadOnlyList<string> Keywords) FlagsOf(IMessageSummary summary)
    {
        var flags = new List<string>();
        var value = summary.Flags ?? MessageFlags.None;
        if (value.HasFlag(MessageFlags.Seen))
        {
            flags.Add("\\Seen");
        }

        if (value.HasFlag(MessageFlags.Answered))
        {
            flags.Add("\\Answered");
        }

        if (value.HasFlag(MessageFlags.Flagged))
        {
            flags.Add("\\Flagged");
        }

        if (value.HasFlag(MessageFlags.Draft))
        {
            flags.Add("\\Draft");
        }

        if (value.HasFlag(MessageFlags.Deleted))
        {
            flags.Add("\\Deleted");
        }

        var keywords = summary.Keywords?.Order(StringComparer.Ordinal).ToList() ?? [];
        return (flags, keywords);
    }

    internal static string NativeId(uint uidValidity, uint uid) => $"{uidValidity}:{uid}";

    private static SourceKey Key(string account, string folder, uint uidValidity, uint uid) =>
        new(SystemName, account, folder, NativeId(uidValidity, uid), uidValidity.ToString(CultureInfo.InvariantCulture));

    private static async Task<ImapFolder> OpenAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        var folder = (ImapFolder)await client.GetFolderAsync(name, cancellationToken);
        if (!folder.IsOpen)
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        }

        return folder;
    }

    private sealed record FolderState(uint UidValidity, uint? UidNext, ulong? HighestModSeq);

    /// <summary>Nothing new, no flag changed, nothing expunged since the checkpoint (needs HIGHESTMODSEQ to tell).</summary>
    private static bool Unchanged(FolderState? state, Checkpoint? checkpoint) =>
        state is not null && checkpoint is { UidValidity: { } validity, HighestUid: { } highest } && validity == state.UidValidity &&
        state.UidNext is { } next && next - 1 <= highest &&
        state.HighestModSeq is not null && (ulong?)checkpoint.HighestModSeq == state.HighestModSeq;

    private sealed class Fetched(IMessageSummary summary, ItemProblem? skip)
    {
        public IMessageSummary Summary { get; } = summary;

        public ItemProblem? Skip { get; } = skip;

        public MessageContent? Content { get; set; }
    }

    /// <summary>
    /// One connection per account, reopened when the server drops it: each step runs again on a fresh connection
    /// (after a short back-off) up to <see cref="ImapRetry.Attempts"/> times, and nothing it read before is lost.
    /// </summary>
    private sealed class Session(ImapEndpoint endpoint, string account, ImapClient? connected, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private ImapClient? client = connected;
        private RawImapConnection? raw;

        /// <summary>A step on the raw connection that streams bodies; reopened like the MailKit one.</summary>
        public Task<T> RunRawAsync<T>(Func<RawImapConnection, CancellationToken, Task<T>> step) =>
            ImapRetry.RunAsync(
                async _ =>
                {
                    raw ??= await RawImapConnection.ConnectAsync(endpoint, account, cancellationToken);
                    return await step(raw, cancellationToken);
                },
                async (_, _) =>
                {
                    await ImapRetry.DropAsync(raw);
                    raw = null;
                },
                cancellationToken);

        public Task<T> RunAsync<T>(Func<ImapClient, CancellationToken, Task<T>> step) =>
            ImapRetry.RunAsync(
                async _ =>
                {
                    client ??= await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
                    return await step(client, cancellationToken);
                },
                (_, _) =>
                {
                    client?.Dispose();
                    client = null;
                    return Task.CompletedTask;
                },
                cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await ImapRetry.DropAsync(raw);
            if (client is not null)
            {
                await EarlyLogins.CloseAsync(client);
            }
        }

    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Imap;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Telemetry;
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
/// or a flags-only compare with the ledger where the server lacks it), messages that vanished (QRESYNC VANISHED, or UID
/// SEARCH ALL against the ledger): a new message with the bytes of one that vanished from another folder is a move
/// (<see cref="MailChange.Move"/>), the rest are removed with the mirror policy within the <see cref="MailDeletionGuard"/>,
/// decided once per account after its new messages. A folder whose UIDVALIDITY changed is read again with every message marked in doubt, so the loader
/// matches it on the target instead of copying it twice. A no-change run reads no body at all.
/// </summary>
public sealed class ImapMailExtractor(ImapSourceOptions options, ILogger<ImapMailExtractor> logger) : IExtractor<SourceMessage>
{
    public const string SystemName = "imap";

    private EarlyLogins? early;

    /// <summary>The run's deletion guard (shared by its accounts), or one of this extractor's own.</summary>
    private MailDeletionGuard Guard { get; } = options.Guard ?? new MailDeletionGuard { MaxPercent = options.DeletionThresholdPercent };

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
            // First what every folder holds now and what vanished from it (a move's old place, or a deletion), before any
            // new message is handed on; the account's removals are decided together (the deletion guard) at the end.
            var folders = await session.RunAsync(ListFoldersAsync);
            var plans = new List<FolderPlan>();
            foreach (var (name, path, role, status) in folders)
            {
                if (await PlanFolderAsync(session, account, name, path, role, status, context, cancellationToken) is { } plan)
                {
                    plans.Add(plan);
                }
            }

            // A new message whose bytes equal a loaded one that vanished from another folder was moved there.
            var moves = new MoveMatcher(plans);
            foreach (var plan in plans)
            {
                await foreach (var item in ReadFolderAsync(session, account, plan, context, cancellationToken))
                {
                    if (!plan.Rescan && item.Payload is { Change: MailChange.New } message && moves.Take(plan.Name, message.BodySha256) is { } from)
                    {
                        logger.LogInformation("{Account}: {From} {NativeId} は {Folder} へ移動されました / moved", account, from.Folder, from.NativeId, plan.Name);
                        yield return item with { Payload = message with { Change = MailChange.Move, MovedFrom = from.TargetKey } };
                        moves.Moved.Add((from, plan.Name));
                        continue;
                    }

                    yield return item;
                }
            }

            // The old places of moved messages: closed in the ledger as moved (whatever the deletion policy: a move is not a deletion).
            var movedKeys = new HashSet<string>(StringComparer.Ordinal);
            var byName = plans.ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var (from, to) in moves.Moved)
            {
                movedKeys.Add(from.Key);
                var plan = byName[from.Folder];
                var uid = FolderPlan.UidOf(from.NativeId);
                var message = Known(plan.Name, plan.Path, plan.Role, plan.State.UidValidity, uid, MailChange.MovedAway, plan.BodyOf(from.NativeId)) with { MovedFrom = to };
                yield return SourceItem<SourceMessage>.Ok(Key(account, plan.Name, plan.State.UidValidity, uid), "moved", 0, $"{plan.Name} UID {uid} → {to}", message) with { Removal = true };
            }

            var held = new HashSet<string>(StringComparer.Ordinal);
            if (options.Deletions == DeletionPolicy.Mirror)
            {
                var scanned = plans.Where(p => p.Vanished is not null).ToList();
                var allowed = Guard.Decide(
                        account, [.. scanned.Select(p => new FolderVanished(p.Name, p.Known, [.. p.Vanished!.Where(r => !movedKeys.Contains(r.Key))]))], context.Warn)
                    .Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
                foreach (var plan in scanned)
                {
                    foreach (var removal in plan.Vanished!.Where(r => !movedKeys.Contains(r.Key)))
                    {
                        if (!allowed.Contains(removal.Key))
                        {
                            held.Add(plan.Name);
                            continue;
                        }

                        var uid = FolderPlan.UidOf(removal.NativeId);
                        var message = Known(plan.Name, plan.Path, plan.Role, plan.State.UidValidity, uid, MailChange.Removal, plan.BodyOf(removal.NativeId));
                        yield return SourceItem<SourceMessage>.Ok(Key(account, plan.Name, plan.State.UidValidity, uid), "removed", 0, $"{plan.Name} UID {uid}", message) with { Removal = true };
                    }
                }
            }

            foreach (var plan in plans)
            {
                // A folder with removals held back keeps its previous HIGHESTMODSEQ: later runs (and the confirming one)
                // compare it again instead of passing it over as unchanged.
                var modSeq = held.Contains(plan.Name) ? plan.Checkpoint?.HighestModSeq : (long?)plan.State.HighestModSeq;
                await context.Checkpoints.SaveAsync(new Checkpoint(plan.Name, plan.State.UidValidity, plan.Highest, modSeq, null), cancellationToken);
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

    /// <summary>
    /// A folder's state now against its checkpoint (null: unchanged, nothing to read) and, for the mirror policy on a
    /// folder read before, its loaded messages that are no longer there (UID SEARCH ALL against the ledger). Only the
    /// vanished ones are kept in memory, never the folder's listing.
    /// </summary>
    private async Task<FolderPlan?> PlanFolderAsync(
        Session session, string account, string name, IReadOnlyList<string> path, MailFolderRole role, FolderState? listed, ExtractContext context,
        CancellationToken cancellationToken)
    {
        var checkpoint = await context.Checkpoints.GetAsync(name, cancellationToken);
        if (Unchanged(listed, checkpoint))
        {
            logger.LogDebug("{Account}: {Folder} は変更なし (STATUS) / unchanged", account, name);
            return null;
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

        if (Unchanged(state, checkpoint))
        {
            logger.LogDebug("{Account}: {Folder} は変更なし / unchanged", account, name);
            return null;
        }

        var plan = new FolderPlan(name, path, role, state, checkpoint, incremental, rescan);
        // Compared under either policy: a vanished message may have been moved to another folder (a move is carried
        // out whatever the deletion policy); only the mirror policy removes the rest.
        if (incremental)
        {
            await FindVanishedAsync(session, account, plan, context, cancellationToken);
        }

        return plan;
    }

    private async IAsyncEnumerable<SourceItem<SourceMessage>> ReadFolderAsync(
        Session session, string account, FolderPlan plan, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (name, path, role, state, checkpoint, incremental, rescan) = (plan.Name, plan.Path, plan.Role, plan.State, plan.Checkpoint, plan.Incremental, plan.Rescan);
        var highestKnown = incremental ? (uint)(checkpoint!.HighestUid ?? 0) : 0u;
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

        plan.Highest = highest;
        if (incremental && highestKnown > 0)
        {
            await foreach (var item in FlagChangesAsync(session, account, name, path, role, state, checkpoint!, context, cancellationToken))
            {
                yield return item;
            }
        }
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

    /// <summary>
    /// The folder's loaded messages (this UIDVALIDITY) that the source no longer has, kept in the plan. Where the server
    /// offers QRESYNC (RFC 7162) the folder is opened with the checkpoint's UIDVALIDITY and HIGHESTMODSEQ and the server
    /// names the UIDs expunged since (VANISHED (EARLIER)); otherwise every UID present is listed (UID SEARCH ALL).
    /// </summary>
    private async Task FindVanishedAsync(Session session, string account, FolderPlan plan, ExtractContext context, CancellationToken cancellationToken)
    {
        HashSet<uint>? gone = null;
        HashSet<uint>? present = null;
        if (plan.Checkpoint is { HighestModSeq: { } since, HighestUid: { } top } && top > 0 && plan.State.HighestModSeq is not null)
        {
            gone = await session.RunAsync(async (client, ct) =>
            {
                if (!session.QuickResync)
                {
                    return null;
                }

                var folder = (ImapFolder)await client.GetFolderAsync(plan.Name, ct);
                var heard = new HashSet<uint>();
                void Vanished(object? sender, MessagesVanishedEventArgs e)
                {
                    foreach (var uid in e.UniqueIds)
                    {
                        heard.Add(uid.Id);
                    }
                }

                folder.MessagesVanished += Vanished;
                try
                {
                    await folder.OpenAsync(FolderAccess.ReadOnly, plan.State.UidValidity, (ulong)since, new UniqueIdRange(plan.State.UidValidity, 1, (uint)top), ct);
                }
                finally
                {
                    folder.MessagesVanished -= Vanished;
                }

                return heard;
            });
        }

        if (gone is null)
        {
            present = await session.RunAsync(async (client, ct) =>
            {
                var folder = await OpenAsync(client, plan.Name, ct);
                return (await folder.SearchAsync(SearchQuery.All, ct)).Select(u => u.Id).ToHashSet();
            });
        }

        logger.LogDebug(
            "{Account}: {Folder}: 消えたメッセージの確認 / vanished messages by {How}", account, plan.Name, gone is not null ? "QRESYNC VANISHED" : "UID SEARCH ALL");
        var prefix = $"{plan.State.UidValidity}:";
        var known = 0;
        var vanished = new List<MailRemoval>();
        await foreach (var entry in context.Known.ListLoadedAsync(plan.Name, cancellationToken))
        {
            if (!entry.NativeId.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            known++;
            var uid = uint.Parse(entry.NativeId[prefix.Length..], CultureInfo.InvariantCulture);
            if (gone?.Contains(uid) ?? !present!.Contains(uid))
            {
                vanished.Add(new MailRemoval(account, plan.Name, entry.NativeId, entry.TargetKey));
                plan.Bodies[entry.NativeId] = MailHashes.BodyOf(entry.ContentHash) ?? string.Empty;
            }
        }

        plan.Known = known;
        plan.Vanished = vanished;
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

    /// <summary>
    /// The account's vanished messages by body SHA-256, for telling a move from a deletion: at most
    /// <see cref="MaxCandidates"/> are kept (about 200 bytes each); beyond that the rest are taken for deletions.
    /// </summary>
    private sealed class MoveMatcher
    {
        private const int MaxCandidates = 200_000;
        private readonly Dictionary<string, List<MailRemoval>> byBody = new(StringComparer.Ordinal);

        public MoveMatcher(IEnumerable<FolderPlan> plans)
        {
            var kept = 0;
            foreach (var plan in plans)
            {
                foreach (var removal in plan.Vanished ?? [])
                {
                    var body = plan.BodyOf(removal.NativeId);
                    if (body.Length == 0 || removal.TargetKey is null || kept++ >= MaxCandidates)
                    {
                        continue;
                    }

                    if (!byBody.TryGetValue(body, out var list))
                    {
                        byBody[body] = list = [];
                    }

                    list.Add(removal);
                }
            }
        }

        /// <summary>Moves found so far: the old place and the folder the message went to.</summary>
        public List<(MailRemoval From, string To)> Moved { get; } = [];

        /// <summary>A vanished message of another folder with these bytes, taken (each matches one new message only).</summary>
        public MailRemoval? Take(string folder, string body)
        {
            if (!byBody.TryGetValue(body, out var list) || list.FindIndex(r => r.Folder != folder) is var i && i < 0)
            {
                return null;
            }

            var found = list[i];
            list.RemoveAt(i);
            return found;
        }
    }

    /// <summary>One folder of the account as this run reads it: its state, checkpoint and (mirror) what vanished.</summary>
    private sealed class FolderPlan(
        string name, IReadOnlyList<string> path, MailFolderRole role, FolderState state, Checkpoint? checkpoint, bool incremental, bool rescan)
    {
        public string Name { get; } = name;

        public IReadOnlyList<string> Path { get; } = path;

        public MailFolderRole Role { get; } = role;

        public FolderState State { get; } = state;

        public Checkpoint? Checkpoint { get; } = checkpoint;

        public bool Incremental { get; } = incremental;

        public bool Rescan { get; } = rescan;

        /// <summary>The highest UID read (the checkpoint's, or the last new message's).</summary>
        public long Highest { get; set; } = incremental ? checkpoint!.HighestUid ?? 0 : 0;

        /// <summary>Loaded messages of this UIDVALIDITY (the percentage's base).</summary>
        public int Known { get; set; }

        /// <summary>Loaded messages no longer on the source; null when not compared.</summary>
        public IReadOnlyList<MailRemoval>? Vanished { get; set; }

        /// <summary>The body hashes of the vanished messages, by native id.</summary>
        public Dictionary<string, string> Bodies { get; } = new(StringComparer.Ordinal);

        public static uint UidOf(string nativeId) => uint.Parse(nativeId[(nativeId.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);

        public string BodyOf(string nativeId) => Bodies.GetValueOrDefault(nativeId, string.Empty);
    }

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
                cancellationToken,
                WaitOutAsync);

        private ImapClient? resyncChecked;

        /// <summary>True when the connection has QRESYNC enabled (the server offers it and CONDSTORE).</summary>
        public bool QuickResync { get; private set; }

        public Task<T> RunAsync<T>(Func<ImapClient, CancellationToken, Task<T>> step) =>
            ImapRetry.RunAsync(
                async _ =>
                {
                    client ??= await ImapConnector.ConnectAsync(endpoint, account, cancellationToken);
                    if (!ReferenceEquals(resyncChecked, client))
                    {
                        // ENABLE is only valid before a folder is selected: right after each login.
                        resyncChecked = client;
                        QuickResync = client.Capabilities.HasFlag(ImapCapabilities.QuickResync) && client.Capabilities.HasFlag(ImapCapabilities.CondStore);
                        if (QuickResync)
                        {
                            await client.EnableQuickResyncAsync(cancellationToken);
                        }
                    }

                    return await step(client, cancellationToken);
                },
                (_, _) =>
                {
                    client?.Dispose();
                    client = null;
                    return Task.CompletedTask;
                },
                cancellationToken,
                WaitOutAsync);

        /// <summary>A wait the source asked for (Exchange's "Suggested Backoff Time"), counted for the metrics.</summary>
        private Task WaitOutAsync(TimeSpan backoff)
        {
            DxmigMetrics.ThrottleWaited(endpoint.LoginMode == ImapLoginMode.OAuth2 ? ThrottledEndpoint.ExchangeImap : ThrottledEndpoint.Imap, backoff);
            return ImapOAuth.WaitAsync(backoff, cancellationToken);
        }

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

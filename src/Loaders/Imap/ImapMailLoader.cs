using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Dxmig.Contracts;
using Dxmig.Imap;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Telemetry;
using Dxmig.Contracts.Records;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Imap;

/// <summary>
/// Writes messages to a target IMAP server: folders created as needed (the tree kept), messages appended byte for
/// byte with their flags, keywords and internal date in MULTIAPPEND batches, confirmed by APPENDUID. An item in doubt
/// is first looked for in its folder by Message-ID (or date and size) and its SHA-256, so a crash between the APPEND
/// and the ledger never doubles it. Flag changes are set on the message the ledger recorded; removals delete it.
/// Target key: <c>imap:{uidvalidity}:{uid}:{folder}</c>.
/// </summary>
public sealed class ImapMailLoader(ImapTargetOptions options, ILogger<ImapMailLoader> logger) : ILoader<TargetMessage>
{
    private readonly ConcurrentDictionary<string, TargetMailbox> mailboxes = new(StringComparer.Ordinal);
    private long throttleWaits;
    private long throttleWaitedTicks;

    /// <summary>
    /// Loads a batch; when the target drops the connection, reconnects and loads the batch again with every message
    /// in doubt (looked for before it is appended), so a dropped APPEND neither loses nor doubles anything.
    /// </summary>
    public Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<TargetMessage>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // A retry (after a lost connection, or a throttled command: refused before it did anything) looks up what the
        // batch did before it instead of doing it again.
        return ImapRetry.RunAsync(
            attempt => LoadOnceAsync(account, attempt == 1 ? batch : [.. batch.Select(r => r with { InDoubt = true })], cancellationToken),
            async (ex, attempt) =>
            {
                logger.LogWarning("移行先との接続が切れました。再接続して続けます / target connection lost ({Reason}); reconnecting (attempt {Attempt})", ex.Message, attempt + 1);
                await DropAsync(account);
            },
            cancellationToken,
            backoff => WaitOutAsync(backoff, cancellationToken));
    }

    private async Task WaitOutAsync(TimeSpan backoff, CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "移行先が混雑のため待機を求めました。{Milliseconds} ミリ秒待ってから続けます / the target throttled us: waiting the {Milliseconds} ms it asked for",
            (long)backoff.TotalMilliseconds, (long)backoff.TotalMilliseconds);
        Interlocked.Increment(ref throttleWaits);
        Interlocked.Add(ref throttleWaitedTicks, backoff.Ticks);
        DxmigMetrics.ThrottleWaited(options.Endpoint.LoginMode == ImapLoginMode.OAuth2 ? ThrottledEndpoint.ExchangeImap : ThrottledEndpoint.Imap, backoff);
        await ImapOAuth.WaitAsync(backoff, cancellationToken);
    }

    private async Task DropAsync(string account)
    {
        foreach (var key in mailboxes.Keys.Where(k => k.StartsWith(account + "\u001F", StringComparison.Ordinal)).ToList())
        {
            if (mailboxes.TryRemove(key, out var mailbox))
            {
                await ImapRetry.DropAsync(mailbox);
            }
        }
    }

    private async Task<IReadOnlyList<LoadOutcome>> LoadOnceAsync(string account, IReadOnlyList<LoadRequest<TargetMessage>> batch, CancellationToken cancellationToken)
    {
        var outcomes = new LoadOutcome?[batch.Count];
        var notes = new string?[batch.Count];
        var appends = new Dictionary<(string Mailbox, string Folder), List<int>>();
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            var message = request.Item;
            var mailbox = await MailboxAsync(account, message.TargetAccount, cancellationToken);
            switch (message.Change)
            {
                case MailChange.Removal:
                    outcomes[i] = await mailbox.RemoveAsync(request.PreviousTargetKey, cancellationToken);
                    break;
                case MailChange.Flags:
                    outcomes[i] = await mailbox.SetFlagsAsync(request.PreviousTargetKey, message, cancellationToken);
                    break;
                case MailChange.MovedAway:
                    // The message went to its new folder with the move; its old place is only closed in the ledger.
                    outcomes[i] = new LoadOutcome(request.PreviousTargetKey, null) { Note = $"moved: {message.MovedFrom}" };
                    break;
                case MailChange.Move:
                {
                    var (to, toNote) = await mailbox.EnsureFolderAsync(message.FolderPath, message.Role, cancellationToken);
                    notes[i] = Note(message.FolderNote, toNote, UnkeptKeywordsNote(message));
                    if (request.InDoubt && await mailbox.FindAsync(to, message, cancellationToken) is { } already)
                    {
                        // Moved by an earlier run that died before the ledger knew.
                        var flagged = await mailbox.SetFlagsAsync(already, message, cancellationToken);
                        outcomes[i] = flagged.Problem is null ? new LoadOutcome(already, null) { Note = notes[i] } : flagged;
                        break;
                    }

                    var moved = await mailbox.MoveAsync(message.MovedFrom, to, message, cancellationToken);
                    outcomes[i] = moved.Problem is null ? moved with { Note = Note(notes[i], "moved") } : moved;
                    break;
                }
                default:
                    if (message.Content is null)
                    {
                        throw new InvalidOperationException($"a new message without content: {request.Key}");
                    }

                    // Only a new message needs its folder: flags and removals go to where the ledger says it is.
                    var (folder, folderNote) = await mailbox.EnsureFolderAsync(message.FolderPath, message.Role, cancellationToken);
                    notes[i] = Note(message.FolderNote, folderNote, UnkeptKeywordsNote(message));

                    if (mailbox.AppendLimit is { } limit && message.TargetLength > limit)
                    {
                        outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine(
                            "too-large-for-target", $"{message.TargetLength:N0} バイトで移行先の上限 {limit:N0} を超えます", $"{message.TargetLength:N0} bytes is over the target's APPENDLIMIT of {limit:N0}"));
                        break;
                    }

                    if (request.InDoubt && await mailbox.FindAsync(folder, message, cancellationToken) is { } existing)
                    {
                        logger.LogInformation("移行先に既にあります / already on the target: {Key} → {Target}", request.Key, existing);
                        // Found, not appended again; its flags and keywords are set to the source's now (they may have
                        // changed since it was written, e.g. a folder re-created on the source with a new UIDVALIDITY).
                        var flagged = await mailbox.SetFlagsAsync(existing, message, cancellationToken);
                        outcomes[i] = flagged.Problem is null ? new LoadOutcome(existing, null) { Note = notes[i] } : flagged;
                        break;
                    }

                    if (!appends.TryGetValue((message.TargetAccount, folder), out var list))
                    {
                        appends[(message.TargetAccount, folder)] = list = [];
                    }

                    list.Add(i);
                    break;
            }
        }

        // The batch's MULTIAPPEND commands for one target mailbox go out one ahead of their answers: the target goes from
        // one command to the next without waiting for this side. A refused command is retried message by message once
        // every answer is in (nothing else may be sent while commands are in flight).
        foreach (var group in appends.GroupBy(a => a.Key.Mailbox, StringComparer.Ordinal))
        {
            var mailbox = await MailboxAsync(account, group.Key, cancellationToken);
            // Without MULTIAPPEND (Exchange) each APPEND carries one message; they still go out one ahead of their answers.
            var perCommand = (await mailbox.AppenderAsync(cancellationToken)).MultiAppend ? options.AppendBatch : 1;
            var chunks = group
                .SelectMany(a => Batching.BySize(a.Value, i => batch[i].Item.TargetLength, options.AppendBatchBytes, perCommand)
                    .Select(chunk => (a.Key.Folder, Chunk: chunk)))
                .ToList();
            var pending = Enumerable.Range(0, chunks.Count).ToList();
            for (var waits = 0; pending.Count > 0; waits++)
            {
                var sending = pending;
                var answers = await mailbox.AppendPipelinedAsync(
                    [.. sending.Select(c => (chunks[c].Folder, (IReadOnlyList<AppendItem>)[.. chunks[c].Chunk.Select(i => ToAppend(batch[i].Item))]))],
                    (k, result) => ConfirmChunkAsync(mailbox, chunks[sending[k]].Folder, chunks[sending[k]].Chunk, result, batch, outcomes, notes, cancellationToken),
                    cancellationToken);
                pending = [];
                var backoff = TimeSpan.Zero;
                for (var k = 0; k < sending.Count; k++)
                {
                    if (answers[k].Refusal is not { } refusal)
                    {
                        continue;
                    }

                    if (waits < options.MaxThrottleWaits && ImapOAuth.Backoff(refusal) is { } wait)
                    {
                        // A throttled APPEND did nothing: sent again once the wait asked for is over.
                        pending.Add(sending[k]);
                        backoff = wait > backoff ? wait : backoff;
                        continue;
                    }

                    await RefusedChunkAsync(mailbox, chunks[sending[k]].Folder, chunks[sending[k]].Chunk, refusal, batch, outcomes, notes, cancellationToken);
                }

                if (pending.Count > 0)
                {
                    await WaitOutAsync(backoff, cancellationToken);
                }
            }

            if (options.FlaggedByStore)
            {
                await mailbox.FlagAfterAppendAsync(
                    [.. chunks.SelectMany(c => c.Chunk)
                        .Where(i => outcomes[i] is { Problem: null, TargetKey: { } } && batch[i].Item.Flags.Contains("\\Flagged", StringComparer.OrdinalIgnoreCase))
                        .Select(i => outcomes[i]!.Value.TargetKey!)],
                    cancellationToken);
            }
        }

        return [.. outcomes.Select((o, i) => o ?? throw new InvalidOperationException($"no outcome for {batch[i].Key}"))];
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Read(ref throttleWaits) is var waits and > 0)
        {
            // The run's figure for the morning: how often and how long the target made it wait.
            logger.LogInformation(
                "移行先の待機要求 {Count} 回、合計 {Seconds:0.0} 秒待ちました / the target asked us to wait {Count} times, {Seconds:0.0} s in all",
                waits, TimeSpan.FromTicks(Interlocked.Read(ref throttleWaitedTicks)).TotalSeconds, waits, TimeSpan.FromTicks(Interlocked.Read(ref throttleWaitedTicks)).TotalSeconds);
        }

        foreach (var mailbox in mailboxes.Values)
        {
            await mailbox.DisposeAsync();
        }

        mailboxes.Clear();
    }

    private static string? Note(params string?[] notes) =>
        notes.Any(n => n is not null) ? string.Join("; ", notes.Where(n => n is not null)) : null;

    private async Task AppendChunkAsync(
        TargetMailbox mailbox, string folder, List<int> chunk, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes,
        string?[] notes, CancellationToken cancellationToken)
    {
        AppendResult result;
        try
        {
            result = await mailbox.AppendAsync(folder, [.. chunk.Select(i => ToAppend(batch[i].Item))], cancellationToken);
        }
        catch (ImapAppendRefusedException ex) when (ex is not ImapThrottledException)
        {
            await RefusedChunkAsync(mailbox, folder, chunk, ex.Message, batch, outcomes, notes, cancellationToken);
            return;
        }

        await ConfirmChunkAsync(mailbox, folder, chunk, result, batch, outcomes, notes, cancellationToken);
    }

    private static async Task ConfirmChunkAsync(
        TargetMailbox mailbox, string folder, List<int> chunk, AppendResult result, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes,
        string?[] notes, CancellationToken cancellationToken)
    {
        for (var k = 0; k < chunk.Count; k++)
        {
            var message = batch[chunk[k]].Item;
            var key = result.Uids.Count == chunk.Count
                ? Key(result.UidValidity, result.Uids[k], folder)
                : await mailbox.FindAsync(folder, message, cancellationToken)
                  ?? throw new InvalidOperationException($"appended {batch[chunk[k]].Key} but cannot find it on the target (no UIDPLUS)");
            outcomes[chunk[k]] = new LoadOutcome(key, null) { Note = notes[chunk[k]] };
        }

        // The target holds them now: give their memory back at once rather than at the end of the batch, so the
        // reader can go on (a retry finds them on the target by their hash and needs no bytes).
        foreach (var index in chunk)
        {
            batch[index].Item.Content?.Dispose();
        }
    }

    private async Task RefusedChunkAsync(
        TargetMailbox mailbox, string folder, List<int> chunk, string reason, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes,
        string?[] notes, CancellationToken cancellationToken)
    {
        if (chunk.Count > 1)
        {
            // MULTIAPPEND is all or nothing: find which message the server refuses by sending them one by one.
            logger.LogWarning("MULTIAPPEND を拒否されたため 1 通ずつ送ります / MULTIAPPEND refused ({Reason}); appending one by one", reason);
            foreach (var index in chunk)
            {
                await AppendChunkAsync(mailbox, folder, [index], batch, outcomes, notes, cancellationToken);
            }

            return;
        }

        outcomes[chunk[0]] = LoadOutcome.Refused(ItemProblem.Quarantine(
            "target-refused", $"移行先が受け付けませんでした: {reason}", $"the target refused the message: {reason}"));
    }

    private AppendItem ToAppend(TargetMessage message) =>
        new([.. message.Flags, .. Kept(options, message.Keywords)], message.InternalDate, message.TargetLength, message.OpenTargetStream);

    /// <summary>The keywords the target keeps (all of them unless the options name the few it does).</summary>
    private static IEnumerable<string> Kept(ImapTargetOptions options, IEnumerable<string> keywords) =>
        options.KeptKeywords is { } kept ? keywords.Where(k => kept.Contains(k, StringComparer.OrdinalIgnoreCase)) : keywords;

    private string? UnkeptKeywordsNote(TargetMessage message)
    {
        var dropped = message.Keywords.Except(Kept(options, message.Keywords), StringComparer.OrdinalIgnoreCase).ToList();
        return dropped.Count == 0 ? null : $"rule:keywords-not-kept-by-target {string.Join(' ', dropped)}";
    }

    /// <summary>SHA-256 of what goes to the target: the source's own hash, or that of the repaired bytes.</summary>
    private static async Task<string> ExpectedSha256Async(TargetMessage message, CancellationToken cancellationToken)
    {
        if (message.HeaderOverride is null)
        {
            return message.BodySha256;
        }

        await using var stream = message.OpenTargetStream();
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    internal static string Key(uint uidValidity, uint uid, string folder) => $"imap:{uidValidity}:{uid}:{folder}";

    internal static (uint UidValidity, uint Uid, string Folder)? ParseKey(string? key)
    {
        if (key is null || !key.StartsWith("imap:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = key.Split(':', 4);
        return parts.Length == 4 &&
               uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var validity) &&
               uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? (validity, uid, parts[3])
            : null;
    }

    /// <summary>Connections per source account and target mailbox: accounts run in parallel, each on its own connections.</summary>
    private async Task<TargetMailbox> MailboxAsync(string account, string target, CancellationToken cancellationToken)
    {
        var key = $"{account}\u001F{target}";
        if (mailboxes.TryGetValue(key, out var existing))
        {
            if (!existing.TokenExpiresSoon(DateTimeOffset.UtcNow))
            {
                return existing;
            }

            // A session outliving its token is closed by the server mid-batch (Exchange: "* BYE Session invalidated -
            // AccessTokenExpired"): it is opened again, with a fresh token, between batches instead.
            logger.LogInformation("アクセス トークンの期限が近いため接続し直します / the access token expires soon: reconnecting {Mailbox}", target);
            mailboxes.TryRemove(key, out _);
            await ImapRetry.DropAsync(existing);
        }

        var mailbox = new TargetMailbox(options, target, logger, backoff => WaitOutAsync(backoff, cancellationToken));
        await mailbox.ConnectAsync(cancellationToken);
        mailboxes[key] = mailbox;
        return mailbox;
    }

    /// <summary>One target mailbox: a MailKit connection for folders, searches and flags, and a raw one for APPEND.</summary>
    private sealed class TargetMailbox(ImapTargetOptions options, string account, ILogger logger, Func<TimeSpan, Task> waitOut) : IAsyncDisposable
    {
        private readonly Dictionary<string, (string Folder, string? Note)> folders = new(StringComparer.Ordinal);
        private IReadOnlyDictionary<MailFolderRole, string>? roleFolders;
        private ImapClient? client;
        private RawImapConnection? appender;
        private DateTimeOffset connectedAt;

        public uint? AppendLimit => client?.AppendLimit;

        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            connectedAt = DateTimeOffset.UtcNow;
            client = await ImapConnector.ConnectAsync(options.Endpoint, account, cancellationToken);
        }

        /// <summary>True when a connection's token expires within the renewal margin (a third of its life for short-lived ones).</summary>
        public bool TokenExpiresSoon(DateTimeOffset now)
        {
            var expiries = new object?[] { client, appender }.Where(c => c is not null).Select(c => ImapOAuth.TokenExpiry(c!)).OfType<DateTimeOffset>().ToList();
            if (expiries.Count == 0)
            {
                return false;
            }

            var first = expiries.Min();
            var life = first - connectedAt;
            var margin = life / 3 < options.TokenRenewalMargin ? life / 3 : options.TokenRenewalMargin;
            return now >= first - margin;
        }

        public async Task<RawImapConnection> AppenderAsync(CancellationToken cancellationToken) =>
            appender ??= await RawImapConnection.ConnectAsync(options.Endpoint, account, cancellationToken);

        /// <summary>
        /// Sets <c>\Flagged</c> on messages just appended to a target that drops it from APPEND, and reads it back: a
        /// message the target will not flag is named in the log (the reconciliation then shows the difference).
        /// </summary>
        public async Task FlagAfterAppendAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
            await ImapRetry.PatientlyAsync(async () => { await FlagAfterAppendCoreAsync(keys, cancellationToken); return true; }, cancellationToken, waitOut);

        private async Task FlagAfterAppendCoreAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        {
            foreach (var group in keys.Select(ParseKey).Where(k => k is not null).Select(k => k!.Value).GroupBy(k => k.Folder, StringComparer.Ordinal))
            {
                var folder = await OpenAsync(group.Key, FolderAccess.ReadWrite, cancellationToken);
                IList<UniqueId> uids = [.. group.Where(k => k.UidValidity == folder.UidValidity).Select(k => new UniqueId(k.UidValidity, k.Uid))];
                for (var attempt = 1; uids.Count > 0; attempt++)
                {
                    await folder.AddFlagsAsync(uids, MessageFlags.Flagged, silent: true, cancellationToken);
                    var read = await folder.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, cancellationToken);
                    uids = [.. read.Where(m => m.Flags is not { } f || !f.HasFlag(MessageFlags.Flagged)).Select(m => m.UniqueId)];
                    if (uids.Count == 0)
                    {
                        break;
                    }

                    if (attempt == 5)
                    {
                        foreach (var uid in uids)
                        {
                            logger.LogWarning("移行先がフラグ (\\Flagged) を付けませんでした / the target did not keep \\Flagged: {Folder} UID {Uid}", group.Key, uid.Id);
                        }

                        break;
                    }

                    // A STORE refused without an exception (throttled): waited out, then only the unflagged ones again.
                    await waitOut(ImapThrottleWatch.Heard() ?? TimeSpan.FromMilliseconds(250));
                }
            }
        }

        public async Task<AppendResult> AppendAsync(string folder, IReadOnlyList<AppendItem> items, CancellationToken cancellationToken) =>
            await (await AppenderAsync(cancellationToken)).AppendAsync(folder, items, cancellationToken);

        public async Task<IReadOnlyList<AppendOutcome>> AppendPipelinedAsync(
            IReadOnlyList<(string Folder, IReadOnlyList<AppendItem> Items)> commands, Func<int, AppendResult, Task> appended, CancellationToken cancellationToken)
        {
            return await (await AppenderAsync(cancellationToken)).AppendPipelinedAsync(commands, appended, cancellationToken);
        }

        /// <summary>
        /// The folder's full name on the target, created (with its parents) when missing. A folder with a role goes to
        /// the target's own folder for that role (its SPECIAL-USE attribute, whatever its name); only a target without
        /// one gets the mapping file's name, created.
        /// </summary>
        public Task<(string Folder, string? Note)> EnsureFolderAsync(IReadOnlyList<string> path, MailFolderRole role, CancellationToken cancellationToken) =>
            ImapRetry.PatientlyAsync(() => EnsureFolderCoreAsync(path, role, cancellationToken), cancellationToken, waitOut);

        private async Task<(string Folder, string? Note)> EnsureFolderCoreAsync(IReadOnlyList<string> path, MailFolderRole role, CancellationToken cancellationToken)
        {
            var key = $"{role}\u001E{string.Join('\u001F', path)}";
            if (folders.TryGetValue(key, out var known))
            {
                return known;
            }

            var imap = client!;
            if (role == MailFolderRole.Inbox || (path.Count == 1 && path[0].Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
            {
                return folders[key] = (imap.Inbox.FullName, null);
            }

            if (role != MailFolderRole.None)
            {
                roleFolders ??= await ImapRoleFolders.ReadAsync(imap, cancellationToken);
                if (roleFolders.TryGetValue(role, out var own))
                {
                    return folders[key] = (own, null);
                }
            }

            var personal = imap.PersonalNamespaces.Count > 0 ? imap.PersonalNamespaces[0] : new FolderNamespace('/', string.Empty);
            var separator = personal.DirectorySeparator;
            var notes = new List<string>();
            var parent = await imap.GetFolderAsync(personal.Path, cancellationToken);
            IMailFolder? current = null;
            foreach (var raw in path)
            {
                var segment = separator != '\0' && raw.Contains(separator, StringComparison.Ordinal)
                    ? raw.Replace(separator.ToString(), options.SeparatorReplacement, StringComparison.Ordinal)
                    : raw;
                if (segment != raw)
                {
                    notes.Add($"rule:target-separator '{raw}' → '{segment}'");
                }

                var fullName = parent.FullName.Length == 0 ? segment : $"{parent.FullName}{separator}{segment}";
                try
                {
                    current = await imap.GetFolderAsync(fullName, cancellationToken);
                }
                catch (FolderNotFoundException)
                {
                    current = await CreateAsync(parent, segment, notes, cancellationToken);
                }

                parent = current;
            }

            return folders[key] = (current!.FullName, notes.Count == 0 ? null : string.Join("; ", notes));
        }

        /// <summary>
        /// Creates a folder; a name the target refuses (Exchange reserves some, e.g. <c>Files</c>) is created with the
        /// replacement character after it instead, and the change is noted for the ledger.
        /// </summary>
        private async Task<IMailFolder> CreateAsync(IMailFolder parent, string segment, List<string> notes, CancellationToken cancellationToken)
        {
            IMailFolder created;
            try
            {
                created = await parent.CreateAsync(segment, isMessageFolder: true, cancellationToken)
                    ?? throw new InvalidOperationException($"the target did not create folder {segment}");
            }
            catch (ImapCommandException ex) when (ex.Response == ImapCommandResponse.No && ImapOAuth.Backoff(ex) is null)
            {
                var renamed = segment + (options.SeparatorReplacement.Length > 0 ? options.SeparatorReplacement : "_");
                logger.LogWarning(
                    "移行先がフォルダ名 '{Name}' を受け付けないため '{Renamed}' で作成します / the target refused folder name '{Name}' ({Reason}); creating '{Renamed}'",
                    segment, renamed, ex.ResponseText, segment, renamed);
                notes.Add($"rule:target-refused-folder '{segment}' → '{renamed}'");
                try
                {
                    return await parent.GetSubfolderAsync(renamed, cancellationToken);
                }
                catch (FolderNotFoundException)
                {
                    created = await parent.CreateAsync(renamed, isMessageFolder: true, cancellationToken)
                        ?? throw new InvalidOperationException($"the target did not create folder {renamed}");
                }
            }

            await created.SubscribeAsync(cancellationToken);
            logger.LogInformation("フォルダを作成 / folder created: {Account}: {Folder}", account, created.FullName);
            return created;
        }

        /// <summary>The message's key when the folder already holds it: same Message-ID (or date and size) and the same SHA-256.</summary>
        public Task<string?> FindAsync(string folderName, TargetMessage message, CancellationToken cancellationToken) =>
            ImapRetry.PatientlyAsync(() => FindCoreAsync(folderName, message, cancellationToken), cancellationToken, waitOut);

        private async Task<string?> FindCoreAsync(string folderName, TargetMessage message, CancellationToken cancellationToken)
        {
            var expected = await ExpectedSha256Async(message, cancellationToken);
            var folder = await OpenAsync(folderName, FolderAccess.ReadOnly, cancellationToken);
            SearchQuery query = message.MessageId is { Length: > 0 } id
                ? SearchQuery.HeaderContains("Message-ID", id)
                : SearchQuery.LargerThan((int)Math.Max(0, message.TargetLength - 1)).And(SearchQuery.SmallerThan((int)message.TargetLength + 1));
            if (message.MessageId is null && message.InternalDate is { } date)
            {
                query = query.And(SearchQuery.DeliveredAfter(date.UtcDateTime.Date.AddDays(-2))).And(SearchQuery.DeliveredBefore(date.UtcDateTime.Date.AddDays(2)));
            }

            var candidates = await folder.SearchAsync(query, cancellationToken);
            foreach (var uid in candidates.Take(50))
            {
                string hash;
                using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                await using (var stream = await folder.GetStreamAsync(uid, string.Empty, cancellationToken))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        sha.AppendData(buffer, 0, read);
                    }

                    hash = Convert.ToHexStringLower(sha.GetHashAndReset());
                }

                if (hash == expected)
                {
                    return Key(folder.UidValidity, uid.Id, folder.FullName);
                }
            }

            return null;
        }

        public Task<LoadOutcome> SetFlagsAsync(string? previousKey, TargetMessage message, CancellationToken cancellationToken) =>
            ImapRetry.PatientlyAsync(() => SetFlagsCoreAsync(previousKey, message, cancellationToken), cancellationToken, waitOut);

        private async Task<LoadOutcome> SetFlagsCoreAsync(string? previousKey, TargetMessage message, CancellationToken cancellationToken)
        {
            if (ParseKey(previousKey) is not { } key)
            {
                return LoadOutcome.Refused(ItemProblem.Quarantine("target-unknown", "移行先のメッセージが台帳にありません", "the ledger holds no target message to update"));
            }

            var folder = await OpenAsync(key.Folder, FolderAccess.ReadWrite, cancellationToken);
            if (folder.UidValidity != key.UidValidity)
            {
                return LoadOutcome.Refused(ItemProblem.Quarantine(
                    "target-uidvalidity-changed", $"移行先フォルダ {key.Folder} の UIDVALIDITY が変わったためフラグを反映できません", $"the target folder {key.Folder} changed UIDVALIDITY: flags not applied"));
            }

            var flags = MessageFlags.None;
            foreach (var flag in message.Flags)
            {
                flags |= flag switch
                {
                    "\\Seen" => MessageFlags.Seen,
                    "\\Answered" => MessageFlags.Answered,
                    "\\Flagged" => MessageFlags.Flagged,
                    "\\Draft" => MessageFlags.Draft,
                    "\\Deleted" => MessageFlags.Deleted,
                    _ => MessageFlags.None,
                };
            }

            var request = new StoreFlagsRequest(StoreAction.Set, flags) { Silent = true };
            foreach (var keyword in Kept(options, message.Keywords))
            {
                request.Keywords.Add(keyword);
            }

            var uid = new UniqueId(key.UidValidity, key.Uid);
            // A STORE on a UID that is gone answers OK: the message is looked for first, so one the user deleted on the
            // target is skipped by name (not re-created, not a failure) rather than counted as updated.
            if ((await folder.SearchAsync(SearchQuery.Uids([uid]), cancellationToken)).Count == 0)
            {
                return LoadOutcome.Refused(ItemProblem.Skip(ItemProblem.TargetDeleted, "移行先でメッセージが削除されているため、フラグを反映しません", "the message was deleted on the target; flags not applied"));
            }

            await folder.StoreAsync([uid], request, cancellationToken);
            // Exchange: a STORE refused while throttled may pass without an exception; the flags are read back and set
            // again after the wait until they hold.
            for (var attempt = 1; options.FlaggedByStore && attempt <= 5; attempt++)
            {
                const MessageFlags System = MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Draft | MessageFlags.Deleted;
                var read = await folder.FetchAsync([uid], MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, cancellationToken);
                if (read.Count == 0 || ((read[0].Flags ?? MessageFlags.None) & System) == (flags & System))
                {
                    break;
                }

                await waitOut(ImapThrottleWatch.Heard() ?? TimeSpan.FromMilliseconds(250));
                await folder.StoreAsync([uid], request, cancellationToken);
            }

            return LoadOutcome.Loaded(previousKey!);
        }

        public Task<LoadOutcome> MoveAsync(string? fromKey, string destination, TargetMessage message, CancellationToken cancellationToken) =>
            ImapRetry.PatientlyAsync(() => MoveCoreAsync(fromKey, destination, message, cancellationToken), cancellationToken, waitOut);

        /// <summary>
        /// Moves the message at <paramref name="fromKey"/> into <paramref name="destinationName"/>: UID MOVE where the
        /// target offers MOVE, else UID COPY, \Deleted and UID EXPUNGE of that one UID; then sets its flags to the source's.
        /// </summary>
        private async Task<LoadOutcome> MoveCoreAsync(string? fromKey, string destinationName, TargetMessage message, CancellationToken cancellationToken)
        {
            if (ParseKey(fromKey) is not { } key)
            {
                return LoadOutcome.Refused(ItemProblem.Quarantine("target-unknown", "移動する移行先のメッセージが台帳にありません", "the ledger holds no target message to move"));
            }

            var source = await OpenAsync(key.Folder, FolderAccess.ReadWrite, cancellationToken);
            var uid = new UniqueId(key.UidValidity, key.Uid);
            if (source.UidValidity != key.UidValidity || (await source.SearchAsync(SearchQuery.Uids([uid]), cancellationToken)).Count == 0)
            {
                return LoadOutcome.Refused(ItemProblem.Skip(ItemProblem.TargetDeleted, "移行先でメッセージが削除されているため、移動しません", "the message was deleted on the target; not moved"));
            }

            var destination = await client!.GetFolderAsync(destinationName, cancellationToken);
            UniqueId? moved;
            if (client.Capabilities.HasFlag(ImapCapabilities.Move))
            {
                moved = await source.MoveToAsync(uid, destination, cancellationToken);
            }
            else
            {
                moved = await source.CopyToAsync(uid, destination, cancellationToken);
                await source.AddFlagsAsync([uid], MessageFlags.Deleted, silent: true, cancellationToken);
                await source.ExpungeAsync([uid], cancellationToken);
            }

            var newKey = moved is { } m && m.Validity != 0
                ? Key(m.Validity, m.Id, destination.FullName)
                : await FindCoreAsync(destinationName, message, cancellationToken);
            if (newKey is null)
            {
                return LoadOutcome.Refused(ItemProblem.Quarantine(
                    "move-unconfirmed", $"フォルダ {destinationName} へ移動しましたが、移動先で見つかりません", $"moved to {destinationName} but not found there"));
            }

            var flagged = await SetFlagsCoreAsync(newKey, message, cancellationToken);
            return flagged.Problem is null ? LoadOutcome.Loaded(newKey) : flagged;
        }

        public Task<LoadOutcome> RemoveAsync(string? previousKey, CancellationToken cancellationToken) =>
            ImapRetry.PatientlyAsync(() => RemoveCoreAsync(previousKey, cancellationToken), cancellationToken, waitOut);

        private async Task<LoadOutcome> RemoveCoreAsync(string? previousKey, CancellationToken cancellationToken)
        {
            if (ParseKey(previousKey) is not { } key)
            {
                return LoadOutcome.Refused(ItemProblem.Quarantine("target-unknown", "削除する移行先のメッセージが台帳にありません", "the ledger holds no target message to remove"));
            }

            var folder = await OpenAsync(key.Folder, FolderAccess.ReadWrite, cancellationToken);
            if (folder.UidValidity == key.UidValidity)
            {
                var uid = new UniqueId(key.UidValidity, key.Uid);
                await folder.AddFlagsAsync([uid], MessageFlags.Deleted, silent: true, cancellationToken);
                await folder.ExpungeAsync([uid], cancellationToken);
            }

            return LoadOutcome.Loaded(previousKey!);
        }

        public async ValueTask DisposeAsync()
        {
            if (appender is not null)
            {
                await appender.DisposeAsync();
            }

            if (client is not null)
            {
                try
                {
                    await client.DisconnectAsync(quit: true, CancellationToken.None);
                }
                catch (Exception ex) when (ImapRetry.IsConnectionLoss(ex))
                {
                    // Already gone.
                }

                client.Dispose();
            }
        }

        private async Task<IMailFolder> OpenAsync(string name, FolderAccess access, CancellationToken cancellationToken)
        {
            var folder = await client!.GetFolderAsync(name, cancellationToken);
            if (!folder.IsOpen || folder.Access < access)
            {
                await folder.OpenAsync(access, cancellationToken);
            }

            return folder;
        }
    }
}

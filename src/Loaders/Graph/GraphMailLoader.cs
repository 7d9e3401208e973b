using System.Collections.Concurrent;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Writes messages into Exchange Online mailboxes through Microsoft Graph: folders found or created (well-known folders
/// for roles), each message created in its folder as received mail (see <see cref="GraphMessageBuilder"/>) in
/// <c>$batch</c> requests, large attachments through upload sessions, flag changes as PATCH, removals as DELETE.
/// Idempotent per source key: every message carries its source key in a named extended property, and an item in doubt
/// (an earlier run died, or a create got no answer) is looked up by it before anything is sent again, so a lost
/// response never doubles a message. A message found with attachments still pending (the run died while uploading
/// them) is deleted and created again. Target key: <c>graph:{immutable message id}</c>.
/// </summary>
public sealed class GraphMailLoader : GraphLoaderBase, ILoader<TargetMessage>
{
    private readonly GraphUploader uploader;
    private readonly GraphMessageBuilder builder;
    private readonly ConcurrentDictionary<string, Lazy<Task<GraphMailFolders>>> mailboxes = new(StringComparer.OrdinalIgnoreCase);

    public GraphMailLoader(GraphTargetOptions options, ILogger<GraphMailLoader> logger, TimeProvider? time = null)
        : this(new GraphSession(options), logger, time ?? TimeProvider.System, ownsSession: true)
    {
    }

    public GraphMailLoader(GraphSession session, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
        uploader = new GraphUploader(session, Engine, logger, time);
        builder = new GraphMessageBuilder(Session.Options);
    }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<TargetMessage>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome?[batch.Count];
        foreach (var byMailbox in Enumerable.Range(0, batch.Count).GroupBy(i => batch[i].Item.TargetAccount, StringComparer.OrdinalIgnoreCase))
        {
            var mailbox = byMailbox.Key;
            var folders = await FoldersAsync(mailbox, cancellationToken);
            var indexes = byMailbox.ToList();
            await MovesAsync(mailbox, folders, indexes.Where(i => batch[i].Item.Change is MailChange.Move or MailChange.MovedAway).ToList(), batch, outcomes, cancellationToken);
            await UpdatesAsync(mailbox, folders, indexes.Where(i => batch[i].Item.Change is MailChange.Flags or MailChange.Removal).ToList(), batch, outcomes, cancellationToken);
            await CreatesAsync(mailbox, folders, indexes.Where(i => batch[i].Item.Change == MailChange.New).ToList(), batch, outcomes, cancellationToken);
        }

        return [.. outcomes.Select((o, i) => o ?? throw new InvalidOperationException($"no outcome for {batch[i].Key}"))];
    }

    /// <summary>The target key of a Graph message.</summary>
    public static string TargetKey(string id) => "graph:" + id;

    /// <summary>The message id in a target key, or null.</summary>
    public static string? MessageId(string? targetKey) =>
        targetKey is not null && targetKey.StartsWith("graph:", StringComparison.Ordinal) ? targetKey["graph:".Length..] : null;

    /// <summary>The <c>$filter</c> query that finds a message by its source key.</summary>
    public static string LookupQuery(string sourceKey) =>
        SourceKeyFilter(sourceKey) + "&$select=id&$expand=" + Uri.EscapeDataString($"singleValueExtendedProperties($filter=id eq '{GraphMessageBuilder.PendingProperty}')");

    /// <summary>The <c>$filter</c> (escaped for a URL) on dxmig's source-key property, for messages and contacts alike.</summary>
    public static string SourceKeyFilter(string sourceKey)
    {
        ArgumentNullException.ThrowIfNull(sourceKey);
        return "?$filter=" + Uri.EscapeDataString(
            $"singleValueExtendedProperties/Any(ep: ep/id eq '{GraphMessageBuilder.SourceKeyProperty}' and ep/value eq '{sourceKey.Replace("'", "''", StringComparison.Ordinal)}')");
    }

    private Task<GraphMailFolders> FoldersAsync(string mailbox, CancellationToken cancellationToken) =>
        mailboxes.GetOrAdd(mailbox, m => new Lazy<Task<GraphMailFolders>>(async () =>
        {
            var folders = new GraphMailFolders(Engine, m);
            var user = await Engine.RunAsync(m, new GraphOperation("GET", folders.UserPath + "?$select=id,userPrincipalName"), cancellationToken);
            if (!user.IsDone)
            {
                mailboxes.TryRemove(m, out _);
                throw new AccountFailedException(
                    $"移行先のユーザー {m} が Graph にありません ({user.Reason})", $"the target user {m} is not found in Graph ({user.Reason})");
            }

            return folders;
        })).Value;

    /// <summary>
    /// Messages moved on the source: <c>POST /messages/{id}/move</c> into the folder the new place maps to (a new id, as
    /// Exchange gives), then its flags and its source-key property set to the new place's; the old place is only closed.
    /// </summary>
    private async Task MovesAsync(
        string mailbox, GraphMailFolders folders, List<int> indexes, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        foreach (var i in indexes)
        {
            var request = batch[i];
            var message = request.Item;
            if (message.Change == MailChange.MovedAway)
            {
                outcomes[i] = new LoadOutcome(request.PreviousTargetKey, null) { Note = $"moved: {message.MovedFrom}" };
                continue;
            }

            if (request.InDoubt && (await LookupAsync(mailbox, folders, [request.Key.ToString()], cancellationToken))[0] is { } existing)
            {
                outcomes[i] = new LoadOutcome(TargetKey(existing), null) { Note = "moved" };
                continue;
            }

            if (MessageId(message.MovedFrom) is not { } id)
            {
                outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine("target-unknown", "移動する移行先のメッセージが台帳にありません", "the ledger holds no target message to move"));
                continue;
            }

            var destination = await folders.ResolveAsync(message, cancellationToken);
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["destinationId"] = destination });
            var moved = await Engine.RunAsync(mailbox, new GraphOperation("POST", $"{folders.UserPath}/messages/{Uri.EscapeDataString(id)}/move", body), cancellationToken);
            if (!moved.IsDone || moved.Property("id") is not { } newId)
            {
                outcomes[i] = moved.Status == 404
                    ? LoadOutcome.Refused(ItemProblem.Skip(ItemProblem.TargetDeleted, "移行先でメッセージが削除されているため、移動しません", "the message was deleted on the target; not moved"))
                    : LoadOutcome.Refused(ItemProblem.Quarantine("target-refused", $"移行先が移動を拒否しました: {moved.Reason}", $"the target refused the move: {moved.Reason}"));
                continue;
            }

            var path = $"{folders.UserPath}/messages/{Uri.EscapeDataString(newId)}";
            var key = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["singleValueExtendedProperties"] = new[] { new Dictionary<string, string> { ["id"] = GraphMessageBuilder.SourceKeyProperty, ["value"] = request.Key.ToString() } },
            });
            var answers = await Engine.RunAsync(mailbox, [new GraphOperation("PATCH", path, GraphMessageBuilder.FlagsJson(message)), new GraphOperation("PATCH", path, key)], cancellationToken);
            var refused = answers.FirstOrDefault(a => !a.IsDone);
            outcomes[i] = refused is null
                ? new LoadOutcome(TargetKey(newId), null) { Note = message.FolderNote is null ? "moved" : $"{message.FolderNote}; moved" }
                : LoadOutcome.Refused(ItemProblem.Quarantine("target-refused", $"移動したメッセージを更新できません: {refused.Reason}", $"cannot update the moved message: {refused.Reason}"));
        }
    }

    private async Task UpdatesAsync(
        string mailbox, GraphMailFolders folders, List<int> indexes, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var operations = new List<(int Index, GraphOperation Operation)>();
        foreach (var i in indexes)
        {
            var request = batch[i];
            if (MessageId(request.PreviousTargetKey) is not { } id)
            {
                outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine("target-unknown", "移行先のメッセージが台帳にありません", "the ledger holds no target message for this change"));
                continue;
            }

            var path = $"{folders.UserPath}/messages/{Uri.EscapeDataString(id)}";
            operations.Add((i, request.Item.Change == MailChange.Removal
                ? new GraphOperation("DELETE", path)
                : new GraphOperation("PATCH", path, GraphMessageBuilder.FlagsJson(request.Item))));
        }

        if (operations.Count == 0)
        {
            return;
        }

        var answers = await Engine.RunAsync(mailbox, [.. operations.Select(o => o.Operation)], cancellationToken);
        for (var k = 0; k < operations.Count; k++)
        {
            var (index, operation) = operations[k];
            var answer = answers[k];
            // A DELETE answered 404 is done: the message is already gone (the user deleted it, or an earlier DELETE whose
            // answer was lost went through).
            outcomes[index] = answer.IsDone || (answer.Status == 404 && operation.Method == "DELETE")
                ? LoadOutcome.Loaded(batch[index].PreviousTargetKey!)
                : answer.Status == 404
                    ? LoadOutcome.Refused(ItemProblem.Skip(ItemProblem.TargetDeleted, "移行先でメッセージが削除されているため、フラグを反映しません", "the message was deleted on the target; flags not applied"))
                    : LoadOutcome.Refused(ItemProblem.Quarantine("target-refused", $"移行先が {operation.Method} を拒否しました: {answer.Reason}", $"the target refused the {operation.Method}: {answer.Reason}"));
        }
    }

    private async Task CreatesAsync(
        string mailbox, GraphMailFolders folders, List<int> indexes, IReadOnlyList<LoadRequest<TargetMessage>> batch, LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        // Items in doubt are looked up first (in batches of GETs); those found are done.
        var toCreate = new List<int>();
        var doubtful = indexes.Where(i => batch[i].InDoubt).ToList();
        var found = await LookupAsync(mailbox, folders, [.. doubtful.Select(i => batch[i].Key.ToString())], cancellationToken);
        var flagUpdates = new List<GraphOperation>();
        for (var k = 0; k < doubtful.Count; k++)
        {
            if (found[k] is { } existing)
            {
                Logger.LogInformation("移行先に既にあります / already on the target: {Key} → {Id}", batch[doubtful[k]].Key, existing);
                outcomes[doubtful[k]] = new LoadOutcome(TargetKey(existing), null) { Note = batch[doubtful[k]].Item.FolderNote };

                // Found, not created again; its read/flag state and keywords are set to the source's now.
                flagUpdates.Add(new GraphOperation("PATCH", $"{folders.UserPath}/messages/{Uri.EscapeDataString(existing)}", GraphMessageBuilder.FlagsJson(batch[doubtful[k]].Item)));
            }
        }

        if (flagUpdates.Count > 0)
        {
            await Engine.RunAsync(mailbox, flagUpdates, cancellationToken);
        }

        toCreate.AddRange(indexes.Where(i => outcomes[i] is null));

        // Creates go in windows of a few batches, so only a few message bodies are held as JSON at once.
        var window = new List<(int Index, BuiltMessage Built, string Folder)>();
        long windowBytes = 0;
        foreach (var i in toCreate)
        {
            var request = batch[i];
            var message = request.Item;
            if (message.Content is null)
            {
                throw new InvalidOperationException($"a new message without content: {request.Key}");
            }

            if (message.TargetLength > Session.Options.MaxMessageSize)
            {
                outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine(
                    "too-large-for-target",
                    $"{message.TargetLength:N0} バイトで移行先の上限 {Session.Options.MaxMessageSize:N0} を超えます",
                    $"{message.TargetLength:N0} bytes is over the target's limit of {Session.Options.MaxMessageSize:N0}"));
                continue;
            }

            try
            {
                var folder = await folders.ResolveAsync(message, cancellationToken);
                var built = builder.Build(message, request.Key.ToString());
                window.Add((i, built, folder));
                windowBytes += built.Json.Length;
            }
            catch (GraphMessageException ex)
            {
                outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine(ex.Code, ex.Japanese, ex.English));
                continue;
            }

            if (window.Count >= Session.Options.BatchSize * 2 || windowBytes >= Session.Options.MaxRequestBytes * 2L)
            {
                await SendWindowAsync(mailbox, folders, window, batch, outcomes, cancellationToken);
                window.Clear();
                windowBytes = 0;
            }
        }

        if (window.Count > 0)
        {
            await SendWindowAsync(mailbox, folders, window, batch, outcomes, cancellationToken);
        }
    }

    private async Task SendWindowAsync(
        string mailbox, GraphMailFolders folders, List<(int Index, BuiltMessage Built, string Folder)> window, IReadOnlyList<LoadRequest<TargetMessage>> batch,
        LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        try
        {
            var pending = window.ToList();
            for (var round = 0; pending.Count > 0; round++)
            {
                if (round > Session.Options.MaxRetries)
                {
                    throw new AccountFailedException(
                        $"{mailbox} へのメッセージ作成が確認できないまま繰り返し失敗しました", $"message creates for {mailbox} keep failing without an answer");
                }

                var answers = await Engine.RunAsync(
                    mailbox, [.. pending.Select(p => new GraphOperation("POST", $"{folders.UserPath}/mailFolders/{p.Folder}/messages", p.Built.Json))], cancellationToken);
                var inDoubt = new List<(int Index, BuiltMessage Built, string Folder)>();
                for (var k = 0; k < pending.Count; k++)
                {
                    var (index, built, _) = pending[k];
                    var answer = answers[k];
                    var note = batch[index].Item.FolderNote;
                    switch (answer.Kind)
                    {
                        case GraphOutcomeKind.Done when answer.Property("id") is { } id:
                            outcomes[index] = await CompleteAsync(mailbox, folders, id, built, note, cancellationToken);
                            break;
                        case GraphOutcomeKind.InDoubt:
                            inDoubt.Add(pending[k]);
                            break;
                        default:
                            outcomes[index] = LoadOutcome.Refused(ItemProblem.Quarantine(
                                "target-refused", $"移行先がメッセージを拒否しました: {answer.Reason}", $"the target refused the message: {answer.Reason}"));
                            break;
                    }
                }

                if (inDoubt.Count > 0)
                {
                    Logger.LogWarning(
                        "移行先の応答がなかった {Count} 件を確認します / {Count} creates got no answer; looking them up before sending again", inDoubt.Count, inDoubt.Count);
                    var found = await LookupAsync(mailbox, folders, [.. inDoubt.Select(p => batch[p.Index].Key.ToString())], cancellationToken);
                    pending = [];
                    for (var k = 0; k < inDoubt.Count; k++)
                    {
                        if (found[k] is { } existing)
                        {
                            outcomes[inDoubt[k].Index] = await CompleteAsync(mailbox, folders, existing, inDoubt[k].Built, batch[inDoubt[k].Index].Item.FolderNote, cancellationToken);
                        }
                        else
                        {
                            pending.Add(inDoubt[k]);
                        }
                    }
                }
                else
                {
                    pending = [];
                }
            }
        }
        finally
        {
            foreach (var (_, built, _) in window)
            {
                built.Dispose();
            }
        }
    }

    /// <summary>Uploads the attachments that did not fit into the create, then clears the pending mark.</summary>
    private async Task<LoadOutcome> CompleteAsync(string mailbox, GraphMailFolders folders, string id, BuiltMessage built, string? note, CancellationToken cancellationToken)
    {
        if (built.Later.Count == 0)
        {
            return new LoadOutcome(TargetKey(id), null) { Note = note };
        }

        var messagePath = $"{folders.UserPath}/messages/{Uri.EscapeDataString(id)}";
        foreach (var attachment in built.Later)
        {
            string? refusal;
            if (attachment.Size < Session.Options.UploadSessionFrom)
            {
                var answer = await Engine.RunAsync(mailbox, new GraphOperation("POST", $"{messagePath}/attachments", GraphMessageBuilder.AttachmentJson(attachment)), cancellationToken);
                refusal = answer.IsDone ? null : answer.Reason;
            }
            else
            {
                refusal = await uploader.UploadAsync(mailbox, messagePath, attachment, cancellationToken);
            }

            if (refusal is not null)
            {
                // Half a message must not stay: it is removed, and the item quarantined (or, in doubt, tried again next run).
                await Engine.RunAsync(mailbox, new GraphOperation("DELETE", messagePath), cancellationToken);
                return LoadOutcome.Refused(ItemProblem.Quarantine(
                    "attachment-refused", $"添付ファイル '{attachment.Name}' を移行先に置けません: {refusal}", $"the target refused the attachment '{attachment.Name}': {refusal}"));
            }
        }

        var complete = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["singleValueExtendedProperties"] = new[] { new Dictionary<string, string> { ["id"] = GraphMessageBuilder.PendingProperty, ["value"] = GraphMessageBuilder.Complete } },
        });
        var patched = await Engine.RunAsync(mailbox, new GraphOperation("PATCH", messagePath, complete), cancellationToken);
        return patched.IsDone
            ? new LoadOutcome(TargetKey(id), null) { Note = note }
            : LoadOutcome.Refused(ItemProblem.Quarantine("target-refused", $"完了の印を付けられません: {patched.Reason}", $"cannot mark the message complete: {patched.Reason}"));
    }

    /// <summary>
    /// Finds messages by source key: the id of a complete one, or null. An incomplete one (attachments still pending
    /// from a run that died) is deleted so that it is created again whole.
    /// </summary>
    private async Task<string?[]> LookupAsync(string mailbox, GraphMailFolders folders, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = new string?[keys.Count];
        if (keys.Count == 0)
        {
            return found;
        }

        var answers = await Engine.RunAsync(mailbox, [.. keys.Select(k => new GraphOperation("GET", $"{folders.UserPath}/messages{LookupQuery(k)}"))], cancellationToken);
        var incomplete = new List<GraphOperation>();
        for (var k = 0; k < keys.Count; k++)
        {
            if (!answers[k].IsDone)
            {
                throw new AccountFailedException(
                    $"移行先で既存のメッセージを確認できません: {answers[k].Reason}", $"cannot look for existing messages on the target: {answers[k].Reason}");
            }

            foreach (var message in answers[k].Body.GetProperty("value").EnumerateArray())
            {
                var id = message.GetProperty("id").GetString()!;
                if (IsComplete(message) && found[k] is null)
                {
                    found[k] = id;
                }
                else if (!IsComplete(message))
                {
                    incomplete.Add(new GraphOperation("DELETE", $"{folders.UserPath}/messages/{Uri.EscapeDataString(id)}"));
                }
            }
        }

        if (incomplete.Count > 0)
        {
            Logger.LogWarning("添付の途中で止まった {Count} 件を作り直します / {Count} messages left with attachments pending are created again", incomplete.Count, incomplete.Count);
            await Engine.RunAsync(mailbox, incomplete, cancellationToken);
        }

        return found;
    }

    private static bool IsComplete(JsonElement message)
    {
        if (!message.TryGetProperty("singleValueExtendedProperties", out var properties) || properties.ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        foreach (var property in properties.EnumerateArray())
        {
            if (property.GetProperty("id").GetString()?.Equals(GraphMessageBuilder.PendingProperty, StringComparison.OrdinalIgnoreCase) == true)
            {
                return property.GetProperty("value").GetString() == GraphMessageBuilder.Complete;
            }
        }

        return true;
    }
}

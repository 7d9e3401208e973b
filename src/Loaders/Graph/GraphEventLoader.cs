using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Loads calendar items (CESS schedules, facility reservations) as events: one copy on each of the item's calendars
/// (owner and participants, or the room mailbox, reached as <c>/users/{address}/events</c>), through
/// <see cref="GraphEngine"/>'s <c>$batch</c>, mailboxes in parallel. A create carries a transactionId derived from the
/// source key and the calendar (<see cref="GraphEventJson.TransactionId"/>), so a create whose answer was lost is simply
/// sent again and Graph returns the event it already made; should Graph answer ErrorDuplicateTransactionId (the event
/// exists with other content, e.g. the row changed after a crash), the event is found by its source-key property and
/// updated. A changed item updates the events the ledger recorded (PATCH), creates copies for new participants and
/// deletes those of participants no longer listed; a removal deletes every copy. Graph's refusal quarantines the item
/// with Graph's reason. Target key: <c>graph-events:{mailbox}|{id};…</c>.
/// </summary>
public sealed class GraphEventLoader<T> : GraphLoaderBase, ILoader<T>
    where T : class, ICalendarItem
{
    public const string Prefix = "graph-events:";
    private const int CreateRounds = 3;

    public GraphEventLoader(GraphTargetOptions options, ILogger logger, TimeProvider? time = null)
        : this(new GraphSession(options), logger, time ?? TimeProvider.System, ownsSession: true)
    {
    }

    public GraphEventLoader(GraphSession session, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
    }

    /// <summary>The mailbox → event id pairs of a target key.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? targetKey)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (targetKey is null || !targetKey.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return result;
        }

        foreach (var pair in targetKey[Prefix.Length..].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var bar = pair.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0)
            {
                result[pair[..bar]] = pair[(bar + 1)..];
            }
        }

        return result;
    }

    /// <summary>The source key without its version: what the event's source-key property holds.</summary>
    public static string StableKey(SourceKey key) => $"{key.System}:{key.Account}/{key.Container}/{key.NativeId}";

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<T>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var work = new List<Copy>();
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            var previous = Parse(request.PreviousTargetKey);
            var stable = StableKey(request.Key);
            var wanted = request.Removal ? [] : request.Item.Calendars;
            foreach (var mailbox in wanted)
            {
                work.Add(new Copy(i, mailbox, previous.GetValueOrDefault(mailbox), stable, request.Item, Delete: false));
            }

            foreach (var (mailbox, id) in previous.Where(p => !wanted.Contains(p.Key, StringComparer.OrdinalIgnoreCase)))
            {
                work.Add(new Copy(i, mailbox, id, stable, request.Item, Delete: true));
            }
        }

        await Task.WhenAll(work.GroupBy(c => c.Mailbox, StringComparer.OrdinalIgnoreCase).Select(g => RunMailboxAsync(g.Key, [.. g], cancellationToken)));
        var outcomes = new LoadOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var mine = work.Where(c => c.Index == i).ToList();
            var refused = mine.FirstOrDefault(c => c.Problem is not null)?.Problem;
            outcomes[i] = refused is not null
                ? LoadOutcome.Refused(refused)
                : LoadOutcome.Loaded(Prefix + string.Join(';', mine.Where(c => !c.Delete).Select(c => $"{c.Mailbox}|{c.ResultId}")));
        }

        return outcomes;
    }

    private async Task RunMailboxAsync(string mailbox, List<Copy> copies, CancellationToken cancellationToken)
    {
        var events = "/users/" + Uri.EscapeDataString(mailbox) + "/events";
        var deletes = copies.Where(c => c.Delete).ToList();
        var answers = await Engine.RunAsync(mailbox, [.. deletes.Select(c => new GraphOperation("DELETE", $"{events}/{Uri.EscapeDataString(c.ExistingId!)}"))], cancellationToken);
        for (var k = 0; k < deletes.Count; k++)
        {
            deletes[k].Refuse(answers[k], "削除", "deleting");
        }

        var patches = copies.Where(c => !c.Delete && c.ExistingId is not null).ToList();
        await PatchAsync(events, mailbox, patches, cancellationToken);

        // Creates: sent again while in doubt (the transactionId makes that safe); a duplicate transactionId means the
        // event is there with other content: found by its source key and updated.
        var creates = copies.Where(c => !c.Delete && c.ExistingId is null).ToList();
        for (var round = 0; creates.Count > 0; round++)
        {
            if (round == CreateRounds)
            {
                throw new AccountFailedException(
                    $"{mailbox} への予定の作成に {CreateRounds} 回続けて応答がありません (次の実行で同じ transactionId で再開します)",
                    $"creating events in {mailbox} got no answer {CreateRounds} times (the next run resumes with the same transactionIds)");
            }

            var results = await Engine.RunAsync(mailbox, [.. creates.Select(c => new GraphOperation("POST", events,
                GraphEventJson.Write(c.Item.Appointment, c.StableKey, c.Item.ContentHash, GraphEventJson.TransactionId(c.StableKey, mailbox))))], cancellationToken);
            var again = new List<Copy>();
            var found = new List<Copy>();
            for (var k = 0; k < creates.Count; k++)
            {
                var (copy, answer) = (creates[k], results[k]);
                if (answer.Kind == GraphOutcomeKind.InDoubt)
                {
                    again.Add(copy);
                }
                else if (answer.ErrorCode == "ErrorDuplicateTransactionId")
                {
                    found.Add(copy);
                }
                else if (answer.IsDone)
                {
                    copy.ResultId = answer.Property("id");
                }
                else
                {
                    copy.Refuse(answer, "作成", "creating");
                }
            }

            await LookUpAsync(events, mailbox, found, cancellationToken);
            await PatchAsync(events, mailbox, [.. found.Where(c => c.ExistingId is not null)], cancellationToken);
            creates = again;
        }
    }

    private async Task PatchAsync(string events, string mailbox, List<Copy> patches, CancellationToken cancellationToken)
    {
        var answers = await Engine.RunAsync(mailbox, [.. patches.Select(c => new GraphOperation("PATCH", $"{events}/{Uri.EscapeDataString(c.ExistingId!)}",
            GraphEventJson.Write(c.Item.Appointment, c.StableKey, c.Item.ContentHash, transactionId: null)))], cancellationToken);
        for (var k = 0; k < patches.Count; k++)
        {
            if (answers[k].IsDone)
            {
                patches[k].ResultId = patches[k].ExistingId;
            }
            else if (answers[k].Status == 404)
            {
                // Deleted on the target since (by a person in Outlook): left deleted, and said so.
                patches[k].Gone();
            }
            else
            {
                patches[k].Refuse(answers[k], "更新", "updating");
            }
        }
    }

    private async Task LookUpAsync(string events, string mailbox, List<Copy> copies, CancellationToken cancellationToken)
    {
        var answers = await Engine.RunAsync(mailbox, [.. copies.Select(c => new GraphOperation("GET", events + GraphMailLoader.SourceKeyFilter(c.StableKey) + "&$select=id"))], cancellationToken);
        for (var k = 0; k < copies.Count; k++)
        {
            if (answers[k].IsDone && answers[k].Body.GetProperty("value").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } found)
            {
                copies[k].ExistingId = found.GetProperty("id").GetString();
            }
            else
            {
                copies[k].Refuse(answers[k], "作成", "creating");
            }
        }
    }

    private sealed class Copy(int index, string mailbox, string? existingId, string stableKey, T item, bool Delete)
    {
        public int Index { get; } = index;

        public string Mailbox { get; } = mailbox;

        public string? ExistingId { get; set; } = existingId;

        public string StableKey { get; } = stableKey;

        public T Item { get; } = item;

        public bool Delete { get; } = Delete;

        public string? ResultId { get; set; }

        public ItemProblem? Problem { get; private set; }

        public void Gone() => Problem = ItemProblem.Skip(
            ItemProblem.TargetDeleted,
            $"{Item.SourceLocation}: {Mailbox} の予定は移行先で削除されているため更新しません",
            $"{Item.SourceLocation}: the event in {Mailbox} was deleted on the target; not updated");

        public void Refuse(GraphOutcome answer, string japanese, string english)
        {
            if (answer.IsDone || (Delete && answer.Status == 404))
            {
                return;
            }

            var reason = answer.Reason;
            Problem = ItemProblem.Quarantine(
                "graph-refused",
                $"{Item.SourceLocation}: {Mailbox} の予定の{japanese}が拒否されました ({reason})",
                $"{Item.SourceLocation}: {english} the event in {Mailbox} was refused ({reason})");
        }
    }
}

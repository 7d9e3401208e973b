using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Loaders.Graph;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Exchange;

/// <summary>
/// Exchange Online by two paths, one accounting (<c>route: imap-first</c>): every new message goes by IMAP (its exact
/// bytes), except one larger than the tenant's IMAP limit or one that Exchange's IMAP refuses, which goes by Graph
/// instead, with the reason beside it in the ledger (<c>route:graph (…)</c>). The choice depends only on the message
/// (its size, what IMAP says of its bytes), so a message in doubt after a crash takes the same way again and is looked
/// up there first: by Message-ID and SHA-256 on IMAP, by its source key on Graph; a message IMAP refuses again falls
/// through to Graph's lookup, which finds the copy an earlier run wrote. Flag changes and removals go where the ledger
/// says the message is (<c>imap:…</c> or <c>graph:…</c>).
/// </summary>
public sealed class RoutingMailLoader(ILoader<TargetMessage> imap, ILoader<TargetMessage> graph, long imapMaxMessageSize, ILogger logger) : ILoader<TargetMessage>
{
    /// <summary>The problem codes that mean "IMAP will not take these bytes", sent by Graph instead.</summary>
    private static readonly HashSet<string> ImapRefusals = new(StringComparer.Ordinal) { "target-refused", "too-large-for-target" };

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<TargetMessage>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome?[batch.Count];
        var byImap = new List<int>();
        var byGraph = new List<(int Index, string Reason)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            if (request.Item.Change != MailChange.New)
            {
                // An update follows the message to where it was written.
                if (GraphMailLoader.MessageId(request.PreviousTargetKey ?? request.Item.MovedFrom) is not null)
                {
                    byGraph.Add((i, string.Empty));
                }
                else
                {
                    byImap.Add(i);
                }
            }
            else if (request.Item.TargetLength > imapMaxMessageSize)
            {
                byGraph.Add((i, $"{request.Item.TargetLength:N0} bytes is over the IMAP limit of {imapMaxMessageSize:N0}"));
            }
            else
            {
                byImap.Add(i);
            }
        }

        if (byImap.Count > 0)
        {
            var answers = await imap.LoadAsync(account, [.. byImap.Select(i => batch[i])], cancellationToken);
            for (var k = 0; k < byImap.Count; k++)
            {
                var index = byImap[k];
                if (answers[k].Problem is { } problem && ImapRefusals.Contains(problem.Code) && batch[index].Item.Change == MailChange.New)
                {
                    logger.LogInformation("IMAP が受け付けないため Graph で送ります / IMAP refused {Key}; sending it by Graph ({Reason})", batch[index].Key, problem.Message);
                    byGraph.Add((index, "IMAP refused: " + problem.Message));
                }
                else
                {
                    outcomes[index] = answers[k];
                }
            }
        }

        if (byGraph.Count > 0)
        {
            // A message IMAP refused may have been written by Graph in a run that died before the ledger knew: it is
            // looked up there first (a lookup that finds nothing costs one query).
            var answers = await graph.LoadAsync(
                account, [.. byGraph.Select(g => g.Reason.StartsWith("IMAP refused", StringComparison.Ordinal) ? batch[g.Index] with { InDoubt = true } : batch[g.Index])], cancellationToken);
            for (var k = 0; k < byGraph.Count; k++)
            {
                var (index, reason) = byGraph[k];
                var answer = answers[k];
                outcomes[index] = reason.Length == 0 || answer.Problem is not null
                    ? answer
                    : answer with { Note = answer.Note is null ? $"route:graph ({reason})" : $"{answer.Note}; route:graph ({reason})" };
            }
        }

        return [.. outcomes.Select((o, i) => o ?? throw new InvalidOperationException($"no outcome for {batch[i].Key}"))];
    }

    public async ValueTask DisposeAsync()
    {
        await imap.DisposeAsync();
        await graph.DisposeAsync();
    }
}

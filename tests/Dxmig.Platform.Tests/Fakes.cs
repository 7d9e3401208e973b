using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dxmig.Contracts;
using Dxmig.Contracts.Text;

namespace Dxmig.Platform.Tests;

public record Note(string Text);

/// <summary>A payload holding a resource (like a message body in a temporary file).</summary>
public sealed record DisposableNote(string Text) : Note(Text), IDisposable
{
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

public sealed record Written(string Text, string SourceId);

/// <summary>Source items kept in memory per account; can fail an account or throw mid-stream.</summary>
public sealed class MemoryExtractor : IExtractor<Note>
{
    public ConcurrentDictionary<string, List<(string Id, string Text, ItemProblem? Problem)>> Accounts { get; } = new();

    public HashSet<string> FailingAccounts { get; } = [];

    public List<Checkpoint> CheckpointsToSave { get; } = [];

    public int Reads;

    public void Add(string account, string id, string text, ItemProblem? problem = null) =>
        Accounts.GetOrAdd(account, _ => []).Add((id, text, problem));

    public ValueTask<SourceEstimate?> EstimateAsync(string account, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SourceEstimate?>(new SourceEstimate(Accounts.TryGetValue(account, out var l) ? l.Count : 0, 0));

    public async IAsyncEnumerable<SourceItem<Note>> ExtractAsync(string account, ExtractContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (FailingAccounts.Contains(account))
        {
            throw new AccountFailedException("テスト用の失敗", "failure for the test");
        }

        foreach (var (id, text, problem) in Accounts.GetValueOrDefault(account) ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref Reads);
            var hash = ContentHash.OfFields([text]);
            var key = new SourceKey("memory", account, "box", id, hash[..8]);
            yield return problem is null
                ? SourceItem<Note>.Ok(key, hash, text.Length, $"box/{id}", new Note(text))
                : SourceItem<Note>.Bad(key, hash, text.Length, $"box/{id}", problem);
            await Task.Yield();
        }

        foreach (var checkpoint in CheckpointsToSave)
        {
            await context.Checkpoints.SaveAsync(checkpoint, cancellationToken);
        }
    }
}

/// <summary>Notes whose text starts with "skip" are skipped, "bad" quarantined, "boom" throw.</summary>
public sealed class NoteTransformer : ITransformer<Note, Written>
{
    public TransformResult<Written> Transform(SourceItem<Note> item)
    {
        var text = item.Payload!.Text;
        if (text.StartsWith("skip", StringComparison.Ordinal))
        {
            return TransformResult<Written>.Skip("rule:test", "テストの規則", "test rule");
        }

        if (text.StartsWith("bad", StringComparison.Ordinal))
        {
            return TransformResult<Written>.Quarantine("test-bad", "不正", "bad");
        }

        if (text.StartsWith("boom", StringComparison.Ordinal))
        {
            throw new FormatException("transformer bug");
        }

        return TransformResult<Written>.Load(new Written(text, item.Key.NativeId));
    }
}

/// <summary>
/// A target that, like a mailbox, would store a second copy if asked twice; it looks itself up only for requests in
/// doubt. It can die after writing (the write lands, the answer is lost) and refuse items.
/// </summary>
public sealed class MemoryTarget : ILoader<Written>
{
    private readonly Lock gate = new();

    public List<(string Account, string SourceId, string Text)> Stored { get; } = [];

    public List<LoadRequest<Written>> Requests { get; } = [];

    public int Calls;

    /// <summary>After this many stored items, the next call writes its batch and then throws (a crash after the write).</summary>
    public int? DieAfterStoring { get; set; }

    public Func<int, Task>? OnCall { get; set; }

    public HashSet<string> Refuse { get; } = [];

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<Written>> batch, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref Calls);
        if (OnCall is not null)
        {
            await OnCall(call);
        }

        var outcomes = new List<LoadOutcome>();
        lock (gate)
        {
            foreach (var request in batch)
            {
                Requests.Add(request);
                if (Refuse.Contains(request.Item.Text))
                {
                    outcomes.Add(LoadOutcome.Refused(ItemProblem.Quarantine("too-big", "大きすぎます", "too big")));
                    continue;
                }

                if (request.InDoubt)
                {
                    var found = Stored.FindIndex(s => s.Account == account && s.SourceId == request.Item.SourceId);
                    if (found >= 0)
                    {
                        outcomes.Add(LoadOutcome.Loaded($"t/{found}"));
                        continue;
                    }
                }

                Stored.Add((account, request.Item.SourceId, request.Item.Text));
                outcomes.Add(LoadOutcome.Loaded($"t/{Stored.Count - 1}"));
            }

            if (DieAfterStoring is { } limit && Stored.Count >= limit)
            {
                DieAfterStoring = null;
                throw new IOException("connection lost after the target wrote the batch");
            }
        }

        return outcomes;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using Dxmig.Jobs.Common;
using System.Runtime.CompilerServices;
using Dxmig.Loaders.Graph;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Dxmig.Platform.Reconciliation;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Cess.Calendar;

/// <summary>
/// CESS schedules and facility reservations: the export read again through the run's own extractor and transformer,
/// against the platform store's table (by schedule or reservation id, and the row's content hash) or
/// against the events on every calendar the items belong to (owner and participants, or the room), listed from Graph
/// and matched by dxmig's source-key property: one copy per calendar, subject, all-day, privacy and the content hash
/// stamped on it compared. Events without dxmig's property are the mailbox's own: not ours, never extra.
/// </summary>
public sealed class CalendarReconciler<TEntry, TRecord> : IReconciler
    where TEntry : class
    where TRecord : class, ICalendarItem
{
    private readonly IExtractor<TEntry> extractor;
    private readonly ITransformer<TEntry, TRecord> transformer;
    private readonly string table;
    private readonly string targetPrefix;
    private readonly Func<StoreReader, CancellationToken, IAsyncEnumerable<CalendarRow>> readStore;
    private readonly ReconcileTarget target;

    public CalendarReconciler(
        IExtractor<TEntry> extractor, ITransformer<TEntry, TRecord> transformer, CalendarJobSettings settings, Dxmig.Platform.JobFiles.JobFile job,
        (string Table, string TargetPrefix, Func<StoreReader, CancellationToken, IAsyncEnumerable<CalendarRow>> Read) storeTable, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(job);
        this.extractor = extractor;
        this.transformer = transformer;
        table = storeTable.Table;
        targetPrefix = storeTable.TargetPrefix;
        readStore = storeTable.Read;
        SourceDescription = $"CESS CSV / export {Path.GetFileName(settings.File)}";
        target = ReconcileTarget.Open(settings.Graph, settings.Store, settings.StorePassword, job, loggers, time);
        TargetDescription = target.Session is { } session
            ? $"Microsoft Graph {session.Options.BaseUrl} (calendars)"
            : $"platform store {table} ({target.Store!.Location.ProviderName})";
    }

    public string SourceDescription { get; }

    public string TargetDescription { get; }

    public IReadOnlyList<string> Compared => ["fields"];

    public long Requests => target.Requests;

    public async IAsyncEnumerable<ReconItem> ReadSourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (item, record) in SourceAsync(account, cancellationToken))
        {
            if (record is null || target.Graph is null)
            {
                yield return new ReconItem(table, record?.SourceId ?? item.Key.Ref.NativeId)
                {
                    Location = item.Location, Size = item.Size, Ref = item.Key.Ref, Fields = record is null ? null : StoreFields(record),
                };
                continue;
            }

            // One copy on each calendar: the first carries the ledger's key, the others are matched as copies of it.
            var stable = GraphEventLoader<TRecord>.StableKey(item.Key);
            foreach (var mailbox in record.Calendars.Select(c => c.ToLowerInvariant()).Distinct(StringComparer.Ordinal))
            {
                yield return new ReconItem(mailbox, stable)
                {
                    Location = $"{item.Location} → {mailbox}", Size = item.Size, Ref = item.Key.Ref, Fields = EventFields(record.Appointment, record.ContentHash),
                };
            }
        }
    }

    public IAsyncEnumerable<ReconItem> ReadTargetAsync(string account, CancellationToken cancellationToken) =>
        target.Graph is null ? ReadStoreAsync(cancellationToken) : ReadGraphAsync(account, cancellationToken);

    public ValueTask DisposeAsync()
    {
        target.Dispose();
        return ValueTask.CompletedTask;
    }

    private static Dictionary<string, string> StoreFields(TRecord record) => new(StringComparer.Ordinal) { ["ContentHash"] = record.ContentHash };

    private static Dictionary<string, string> EventFields(CalendarEvent e, string hash) => new(StringComparer.Ordinal)
    {
        ["subject"] = e.Subject,
        ["isAllDay"] = e.AllDay ? "true" : "false",
        ["sensitivity"] = e.Private ? "private" : "normal",
        ["version"] = hash,
    };

    /// <summary>The ledger key a stable key names (<c>system:account/container/native-id</c>), or null.</summary>
    private static ItemRef? LedgerRef(string? stableKey)
    {
        var parts = stableKey?[(stableKey.IndexOf(':', StringComparison.Ordinal) + 1)..].Split('/', 3);
        return parts is { Length: 3 } ? new ItemRef(parts[1], parts[2]) : null;
    }

    private async IAsyncEnumerable<(SourceItem<TEntry> Item, TRecord? Record)> SourceAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in extractor.ExtractAsync(account, new ExtractContext(NoCheckpoints.Instance), cancellationToken))
        {
            var targets = item.Problem is null ? transformer.Transform(item).Targets : [];
            yield return (item, targets.Count > 0 ? targets[0] : null);
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadStoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in readStore(target.Store!, cancellationToken))
        {
            var id = row.Id;
            yield return new ReconItem(table, id)
            {
                Location = $"{targetPrefix}{id} ({row.SourceLocation})",
                TargetKey = targetPrefix + id,
                Fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["ContentHash"] = row.ContentHash },
            };
        }
    }

    private async IAsyncEnumerable<ReconItem> ReadGraphAsync(string account, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The calendars to list are those the source names (the export read once more; a person's own events stay unread elsewhere).
        var mailboxes = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var (_, record) in SourceAsync(account, cancellationToken))
        {
            foreach (var calendar in record?.Calendars ?? [])
            {
                mailboxes.Add(calendar.ToLowerInvariant());
            }
        }

        var expand = GraphReader.Expand(GraphMessageBuilder.SourceKeyProperty, GraphMessageBuilder.Sha256Property);
        foreach (var mailbox in mailboxes)
        {
            var path = $"/users/{Uri.EscapeDataString(mailbox)}/events?$select=id,subject,isAllDay,sensitivity&{expand}&$top=100";
            await foreach (var e in target.Graph!.ListAsync(mailbox, path, cancellationToken))
            {
                var id = e.GetProperty("id").GetString()!;
                var sourceKey = GraphReader.Extended(e, GraphMessageBuilder.SourceKeyProperty);
                yield return new ReconItem(mailbox, sourceKey ?? $"graph-event:{id}")
                {
                    Location = $"{mailbox} event {id}",
                    TargetKey = $"graph-event:{mailbox}|{id}",
                    Ours = sourceKey is not null,
                    Ref = LedgerRef(sourceKey),
                    Fields = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["subject"] = e.TryGetProperty("subject", out var s) ? s.GetString() ?? string.Empty : string.Empty,
                        ["isAllDay"] = e.TryGetProperty("isAllDay", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.True ? "true" : "false",
                        ["sensitivity"] = e.TryGetProperty("sensitivity", out var p) ? p.GetString() ?? string.Empty : string.Empty,
                        ["version"] = GraphReader.Extended(e, GraphMessageBuilder.Sha256Property) ?? string.Empty,
                    },
                };
            }
        }
    }
}

using Dxmig.Platform.Logging;
using Dxmig.Platform.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Console;

/// <summary>One page of the audit log, newest first, and how many entries it holds in all.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long Total, int Offset, int Limit);

/// <summary>
/// The console's audit log and its requests to the scheduler's nodes, kept in the scheduler's store (<c>dxmig serve</c>'s
/// SQLite <c>$DXMIG_HOME/scheduler.db</c> or the cluster's PostgreSQL) as schema component <see cref="ConsoleDbContext.Component"/>.
/// Free text is masked (<see cref="SecretMasker.Apply"/>) and cut to the column's length before it is stored. Thread-safe:
/// every call uses a context of its own.
/// </summary>
public sealed class ConsoleStore
{
    /// <summary>The longest user name or UPN kept.</summary>
    public const int MaxNameLength = 320;

    /// <summary>The longest detail kept.</summary>
    public const int MaxDetailLength = 4000;

    /// <summary>The largest page of the audit log.</summary>
    public const int MaxAuditPage = 500;

    private readonly DbContextOptions<ConsoleDbContext> options;
    private readonly TimeProvider time;

    private ConsoleStore(StoreLocation location, TimeProvider time)
    {
        Location = location;
        options = StoreContextFactory.CreateOptions<ConsoleDbContext>(location);
        this.time = time;
    }

    public StoreLocation Location { get; }

    /// <summary>Opens the store, creating the console's tables when missing.</summary>
    /// <exception cref="StoreSchemaException">The database holds another version of the console's tables.</exception>
    /// <exception cref="Contracts.EndpointUnreachableException">The PostgreSQL server cannot be reached.</exception>
    public static async Task<ConsoleStore> OpenAsync(StoreLocation location, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(time);
        var store = new ConsoleStore(location, time);
        await using var db = store.Create();
        await SchemaBootstrap.EnsureAsync(db, ConsoleDbContext.Component, ConsoleDbContext.SchemaVersion, cancellationToken);
        return store;
    }

    /// <summary>Appends an entry to the audit log (its time set now, its detail masked); returns it as stored, with its id.</summary>
    public async Task<AuditEntry> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = new AuditEntry
        {
            Utc = Now,
            User = Cut(entry.User, MaxNameLength),
            Role = Cut(entry.Role, 50),
            Action = Cut(entry.Action, 100),
            Job = CutOrNull(entry.Job, 200),
            RunId = CutOrNull(entry.RunId, 40),
            Detail = entry.Detail is null ? null : Cut(SecretMasker.Apply(entry.Detail), MaxDetailLength),
            ClientAddress = CutOrNull(entry.ClientAddress, 100),
            Outcome = Cut(entry.Outcome, 50),
        };
        await using var db = Create();
        db.Audit.Add(stored);
        await db.SaveChangesAsync(cancellationToken);
        return stored;
    }

    /// <summary>A page of the audit log, newest first.</summary>
    /// <param name="offset">Entries to skip (clamped to 0 or more).</param>
    /// <param name="limit">The page size (clamped to 1–<see cref="MaxAuditPage"/>).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<AuditPage> ListAuditAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        offset = Math.Max(0, offset);
        limit = Math.Clamp(limit, 1, MaxAuditPage);
        await using var db = Create();
        var entries = await db.Audit.AsNoTracking().OrderByDescending(a => a.Id).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        var total = await db.Audit.LongCountAsync(cancellationToken);
        return new AuditPage(entries, total, offset, limit);
    }

    /// <summary>
    /// Asks the node running the job to stop it (the run finishes the batch in hand and stops, as at a stop signal). An
    /// open request for the same job and run is returned instead of a second one.
    /// </summary>
    /// <param name="job">The job's name.</param>
    /// <param name="runId">The run to stop; null: the job's current run.</param>
    /// <param name="who">The person asking (user name or UPN).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task<ConsoleRequest> RequestStopAsync(string job, string? runId, string who, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(who);
        await using var db = Create();
        var open = await db.Requests.FirstOrDefaultAsync(
            r => r.Kind == ConsoleRequest.StopKind && r.HandledUtc == null && r.Job == job && r.RunId == runId, cancellationToken);
        if (open is not null)
        {
            return open;
        }

        var request = new ConsoleRequest
        {
            Utc = Now,
            Kind = ConsoleRequest.StopKind,
            Job = Cut(job, 200),
            RunId = CutOrNull(runId, 40),
            RequestedBy = Cut(who, MaxNameLength),
        };
        db.Requests.Add(request);
        await db.SaveChangesAsync(cancellationToken);
        return request;
    }

    /// <summary>Stop requests no node has handled yet, oldest first: of one job, or of all.</summary>
    public async Task<IReadOnlyList<ConsoleRequest>> OpenStopRequestsAsync(string? job, CancellationToken cancellationToken)
    {
        await using var db = Create();
        var open = db.Requests.AsNoTracking().Where(r => r.Kind == ConsoleRequest.StopKind && r.HandledUtc == null);
        if (job is not null)
        {
            open = open.Where(r => r.Job == job);
        }

        return await open.OrderBy(r => r.Id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Marks a request handled by <paramref name="node"/>. Only one node can: returns true for the call that marked it,
    /// false when it was handled already or does not exist.
    /// </summary>
    public async Task<bool> MarkHandledAsync(long id, string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        var now = Now;
        var handledBy = Cut(node, 200);
        await using var db = Create();
        var changed = await db.Requests
            .Where(r => r.Id == id && r.HandledUtc == null)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.HandledUtc, now).SetProperty(r => r.HandledBy, handledBy), cancellationToken);
        return changed == 1;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private ConsoleDbContext Create() => new(options);

    private static string Cut(string? value, int max)
    {
        var text = value?.Trim() ?? string.Empty;
        return text.Length > max ? text[..max] : text;
    }

    private static string? CutOrNull(string? value, int max) => value is null ? null : Cut(value, max);
}

using Dxmig.Jobs.Console;

namespace Dxmig.Web.Data;

/// <summary>The audit log and stop requests in the scheduler host's store (<see cref="ConsoleStore"/>).</summary>
public sealed class StoreConsoleRecords(ConsoleStore store) : IConsoleRecords
{
    public async Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await store.AppendAuditAsync(
            new AuditEntry
            {
                Utc = record.Utc,
                User = record.User,
                Role = record.Role,
                Action = record.Action,
                Job = record.Job,
                RunId = record.RunId,
                Detail = record.Detail,
                ClientAddress = record.ClientAddress,
                Outcome = record.Outcome,
            },
            cancellationToken);
    }

    public async Task<(IReadOnlyList<AuditRecord> Rows, long Total)> ListAuditAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        var page = await store.ListAuditAsync(offset, limit, cancellationToken);
        return ([.. page.Entries.Select(e => new AuditRecord(e.Utc, e.User, e.Role, e.Action, e.Job, e.RunId, e.Detail, e.ClientAddress, e.Outcome))], page.Total);
    }

    public Task RequestStopAsync(string job, string runId, string requestedBy, CancellationToken cancellationToken) =>
        store.RequestStopAsync(job, runId, requestedBy, cancellationToken);
}

using Dxmig.Web.Auth;
using Microsoft.AspNetCore.Http;

namespace Dxmig.Web;

/// <summary>One line of the audit log: who did what, when, from where, and how it ended.</summary>
public sealed record AuditRecord(DateTime Utc, string User, string Role, string Action, string? Job, string? RunId, string? Detail, string? ClientAddress, string Outcome);

/// <summary>Where the console keeps its audit log and the stop requests the scheduler nodes pick up.</summary>
public interface IConsoleRecords
{
    Task AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>The newest entries first.</summary>
    Task<(IReadOnlyList<AuditRecord> Rows, long Total)> ListAuditAsync(int offset, int limit, CancellationToken cancellationToken);

    /// <summary>Asks whichever node runs <paramref name="job"/>'s run <paramref name="runId"/> to stop after the batch in hand.</summary>
    Task RequestStopAsync(string job, string runId, string requestedBy, CancellationToken cancellationToken);
}

internal static class Audit
{
    /// <summary>Writes an audit entry for the signed-in person of <paramref name="http"/>.</summary>
    public static Task WriteAsync(HttpContext http, string action, string? job, string? runId, string? detail, string outcome, string? user = null, string? role = null)
    {
        var records = (IConsoleRecords)http.RequestServices.GetService(typeof(IConsoleRecords))!;
        var settings = (WebConsoleSettings)http.RequestServices.GetService(typeof(WebConsoleSettings))!;
        return records.AppendAuditAsync(
            new AuditRecord(
                settings.Time.GetUtcNow().UtcDateTime,
                user ?? ConsoleRoles.Who(http.User),
                role ?? http.User.FindFirst(ConsoleRoles.ClaimType)?.Value ?? "-",
                action,
                job,
                runId,
                detail is null ? null : Dxmig.Platform.Logging.SecretMasker.Apply(detail),
                http.Connection.RemoteIpAddress?.ToString(),
                outcome),
            http.RequestAborted);
    }
}

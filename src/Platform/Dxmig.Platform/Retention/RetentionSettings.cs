using Dxmig.Platform.JobFiles;

namespace Dxmig.Platform.Retention;

/// <summary>
/// How long a job keeps what its runs leave behind (<c>retention:</c> in the job file). The ledger's rows of live items
/// (loaded, skipped, quarantined) are never removed: they are the proof of what moved and the reconciliation's
/// memory. What goes: run rows (and their per-account and cluster rows) older than <see cref="RunsDays"/> beyond the
/// newest <see cref="KeepRuns"/> and the job's first run; rows of items removed from the target longer ago than
/// <see cref="RemovedItemsDays"/>; per-run logs and lists older than <see cref="LogsDays"/>; report folders older than
/// <see cref="ReportsDays"/> (the newest report always stays).
/// </summary>
/// <param name="RunsDays">Days a run's rows are kept (audits of a fiscal year and the next need two years).</param>
/// <param name="KeepRuns">Runs kept whatever their age (the newest ones).</param>
/// <param name="RemovedItemsDays">Days the ledger row of an item removed on the target is kept.</param>
/// <param name="LogsDays">Days per-run logs (<c>RUNID.jsonl</c>), pending-deletion lists and conflict lists are kept.</param>
/// <param name="ReportsDays">Days reconciliation report folders are kept.</param>
public sealed record RetentionSettings(int RunsDays, int KeepRuns, int RemovedItemsDays, int LogsDays, int ReportsDays)
{
    public const int DefaultRunsDays = 730;

    public const int DefaultKeepRuns = 60;

    public const int DefaultRemovedItemsDays = 400;

    public const int DefaultLogsDays = 180;

    public const int DefaultReportsDays = 400;

    /// <summary>The keys of <c>retention:</c>.</summary>
    public static readonly string[] Keys = ["runs-days", "keep-runs", "removed-items-days", "logs-days", "reports-days"];

    public static RetentionSettings Default { get; } =
        new(DefaultRunsDays, DefaultKeepRuns, DefaultRemovedItemsDays, DefaultLogsDays, DefaultReportsDays);

    /// <summary>Reads <c>retention:</c>; the defaults for every key not given (errors go to the section's diagnostics).</summary>
    public static RetentionSettings Read(JobSection? section)
    {
        if (section is null)
        {
            return Default;
        }

        section.CheckKeys(Keys);
        const int Max = 36_500;
        return new RetentionSettings(
            section.Number("runs-days", 1, Max) ?? DefaultRunsDays,
            section.Number("keep-runs", 1, 100_000) ?? DefaultKeepRuns,
            section.Number("removed-items-days", 1, Max) ?? DefaultRemovedItemsDays,
            section.Number("logs-days", 1, Max) ?? DefaultLogsDays,
            section.Number("reports-days", 1, Max) ?? DefaultReportsDays);
    }
}

using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Platform.JobFiles;

/// <summary>A mapping file a job names, with where the job names it.</summary>
public sealed record MappingReference(string Name, string Path, SourcePosition Position);

/// <summary>
/// A parsed job file: the parts every job has, and its source and target sections, which the job's kind reads.
/// </summary>
public sealed class JobFile
{
    public required string FilePath { get; init; }

    public required string Name { get; init; }

    public required string Kind { get; init; }

    public string? Description { get; init; }

    public ScheduleSpec? Schedule { get; init; }

    public required JobSection Source { get; init; }

    public required JobSection Target { get; init; }

    public required IReadOnlyDictionary<string, MappingReference> Mappings { get; init; }

    /// <summary>The ledger's location: SQLite path or PostgreSQL connection string (no password).</summary>
    public required string Ledger { get; init; }

    public SecretReference? LedgerPassword { get; init; }

    public required string LogFolder { get; init; }

    /// <summary>Whom to mail about runs, and when (<c>alerts:</c>); null: nobody.</summary>
    public Alerts.AlertSettings? Alerts { get; init; }

    /// <summary>How long runs, logs and reports are kept (<c>retention:</c>).</summary>
    public Retention.RetentionSettings Retention { get; init; } = Dxmig.Platform.Retention.RetentionSettings.Default;

    /// <summary>
    /// <c>plan:</c>: the job's own rates for <c>dxmig plan</c> (the keys of a rates file's entry), read by the plan;
    /// null when the file has none.
    /// </summary>
    public JobSection? Plan { get; init; }

    public int Parallelism { get; init; } = RunSettings.DefaultParallelism;

    public int BatchSize { get; init; } = RunSettings.DefaultBatchSize;

    public int ChannelCapacity { get; init; } = RunSettings.DefaultChannelCapacity;

    /// <summary><c>options.reconcile</c>: after-run (default) reconciles source and target after every run; off does not.</summary>
    public bool ReconcileAfterRun { get; init; } = true;

    public required Func<string, string?> Environment { get; init; }

    /// <summary>What the file was read for: a run checks the source and the secrets; history (status, reconcile) does not.</summary>
    public JobUse Use { get; init; } = JobUse.Run;

    /// <summary>
    /// Files and folders of the source that are not there, found while reading the file for its
    /// <see cref="JobUse.History"/> (for a run they are errors instead).
    /// </summary>
    public IReadOnlyList<Contracts.Diagnostic> Unreachable => Source.Unreachable;

    /// <summary>The ledger's location, with its password resolved (the one place a job's ledger location is parsed).</summary>
    /// <exception cref="Contracts.ConfigurationException">The password reference cannot be resolved.</exception>
    public Storage.StoreLocation LedgerLocation() => Storage.StoreLocation.Parse(Ledger, Directory, LedgerPassword?.Resolve(Environment));

    /// <summary>Folder the job file sits in; relative paths in it are resolved against this.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(FilePath))!;
}

using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs;

/// <summary>
/// One kind of job (address books, mail, directory…), as the registry and the services see it: a name, the mapping
/// files it reads, and how to bind a job file's sections to checked settings.
/// </summary>
public interface IJobKind
{
    /// <summary>The word in the job file's <c>kind:</c>.</summary>
    string Name { get; }

    /// <summary>Mapping names this kind reads, and whether each is required.</summary>
    IReadOnlyDictionary<string, bool> MappingNames { get; }

    /// <summary>
    /// Reads and checks the job's source and target sections and its mapping files; every problem goes to
    /// <paramref name="diagnostics"/>. Null when the job cannot be run.
    /// </summary>
    IBoundJob? Bind(JobFile job, DiagnosticBag diagnostics);
}

/// <summary>
/// A job kind with its checked settings type. A kind reads its sections once, when the job file is read
/// (<see cref="Read"/>), and every later step gets the settings it returned: no kind casts or re-reads settings.
/// Optional capabilities are further interfaces on the same class: <see cref="IReconcilableKind{TSettings}"/>
/// (reconciliation), <see cref="ISizedKind{TSettings}"/> (<c>dxmig plan</c>).
/// </summary>
/// <typeparam name="TSettings">What the kind's sections and mapping files say, checked.</typeparam>
public interface IJobKind<TSettings> : IJobKind
    where TSettings : class
{
    /// <summary>The checked settings, or null when the sections or mapping files have errors (each reported).</summary>
    TSettings? Read(JobFile job, DiagnosticBag diagnostics);

    /// <summary>Lists the accounts the job's source holds.</summary>
    /// <exception cref="ConfigurationException">The source cannot be listed.</exception>
    IReadOnlyList<string> ListAccounts(JobFile job, TSettings settings);

    /// <summary>Runs the job once.</summary>
    Task<RunResult> RunAsync(JobContext<TSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken);
}

/// <summary>A kind whose runs can be reconciled (source and target re-read independently).</summary>
public interface IReconcilableKind<TSettings>
    where TSettings : class
{
    /// <summary>The reconciler for a bound job.</summary>
    /// <exception cref="ConfigurationException">The job's settings cannot be used.</exception>
    Task<IReconciler> CreateReconcilerAsync(JobContext<TSettings> context, ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken);
}

/// <summary>A kind whose source can be sized per account for <c>dxmig plan</c>.</summary>
public interface ISizedKind<TSettings>
    where TSettings : class
{
    /// <summary>Every account of the job with its size at the source (or why it could not be read).</summary>
    Task<IReadOnlyList<SourceSize>> ReadSizesAsync(JobContext<TSettings> context, SizeRequest request, CancellationToken cancellationToken);

    /// <summary>The target's rate per account: published limits, a measured or given rate, or a stated assumption.</summary>
    TargetRate RateOf(JobContext<TSettings> context, GivenThroughput given);
}

/// <summary>A job file with its kind's checked settings.</summary>
public sealed record JobContext<TSettings>(JobFile File, TSettings Settings)
    where TSettings : class;

/// <summary>What the person asked for: which accounts (all when empty), and whether to write anything.</summary>
public sealed record JobRunRequest(IReadOnlyList<string> Accounts, bool DryRun, TimeProvider Time)
{
    /// <summary>
    /// <c>--confirm-deletes RUNID</c>: the run whose pending deletions (held back at the safety threshold) a person
    /// reviewed and confirms; null when none.
    /// </summary>
    public string? ConfirmDeletes { get; init; }

    /// <summary>This process's node name in a cluster run (PostgreSQL ledger): <c>--node</c> or <c>DXMIG_NODE</c>, the host name by default.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>Only join the job's open cluster run (a serve node lending a hand); start none.</summary>
    public bool JoinOnly { get; init; }

    /// <summary>
    /// The pipeline's settings for this request on <paramref name="job"/>: its batch and read-ahead sizes, the requested
    /// accounts (or <paramref name="accounts"/>), one account at a time unless the kind runs accounts in parallel.
    /// </summary>
    public RunSettings RunSettings(JobFile job, IReadOnlyList<string>? accounts = null, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new RunSettings
        {
            Job = job.Name,
            Kind = job.Kind,
            Accounts = accounts ?? Accounts,
            Parallelism = parallelism,
            BatchSize = job.BatchSize,
            ChannelCapacity = job.ChannelCapacity,
            DryRun = DryRun,
            Node = Node,
            JoinOnly = JoinOnly,
        };
    }
}

/// <summary>How <c>dxmig plan</c> reads sizes.</summary>
/// <param name="UseStatusSize">Use IMAP STATUS=SIZE where the server offers it (else FETCH RFC822.SIZE).</param>
public sealed record SizeRequest(bool UseStatusSize = true);

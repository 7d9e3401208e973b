using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Scheduling;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs;

/// <summary>
/// A job file bound to its kind and the kind's checked settings: what <see cref="JobRunner"/>,
/// <see cref="ReconcileService"/> and <see cref="PlanService"/> work with. The capabilities a kind lacks answer
/// <c>false</c> to <see cref="CanReconcile"/> / <see cref="CanPlan"/>.
/// </summary>
public interface IBoundJob
{
    JobFile File { get; }

    IJobKind Kind { get; }

    /// <summary>The checked settings (of the kind's own type).</summary>
    object Settings { get; }

    bool CanReconcile { get; }

    bool CanPlan { get; }

    /// <summary>Lists the accounts the job's source holds.</summary>
    /// <exception cref="ConfigurationException">The source cannot be listed.</exception>
    IReadOnlyList<string> ListAccounts();

    Task<RunResult> RunAsync(JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken);

    /// <exception cref="ConfigurationException">The kind cannot be reconciled, or its settings cannot be used.</exception>
    Task<IReconciler> CreateReconcilerAsync(ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken);

    /// <exception cref="ConfigurationException">The kind cannot be sized.</exception>
    Task<IReadOnlyList<SourceSize>> ReadSizesAsync(SizeRequest request, CancellationToken cancellationToken);

    /// <exception cref="ConfigurationException">The kind cannot be sized.</exception>
    TargetRate RateOf(GivenThroughput given);

    /// <summary><c>dxmig doctor</c>: the kind's endpoints with their read-only checks (empty when the kind has none).</summary>
    IReadOnlyList<Doctor.DoctorEndpoint> DoctorEndpoints(Doctor.DoctorRequest request);
}

/// <summary>The one implementation of <see cref="IBoundJob"/>: forwards to the kind with the typed settings.</summary>
public sealed class BoundJob<TSettings>(IJobKind<TSettings> kind, JobFile file, TSettings settings) : IBoundJob
    where TSettings : class
{
    public JobFile File { get; } = file;

    public IJobKind Kind => kind;

    public TSettings Settings { get; } = settings;

    object IBoundJob.Settings => Settings;

    public JobContext<TSettings> Context => new(File, Settings);

    public bool CanReconcile => kind is IReconcilableKind<TSettings>;

    public bool CanPlan => kind is ISizedKind<TSettings>;

    public IReadOnlyList<string> ListAccounts() => kind.ListAccounts(File, Settings);

    public Task<RunResult> RunAsync(JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken) =>
        kind.RunAsync(Context, request, observer, loggers, stopToken);

    public Task<IReconciler> CreateReconcilerAsync(ReconcileRequest request, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        kind is IReconcilableKind<TSettings> reconcilable
            ? reconcilable.CreateReconcilerAsync(Context, request, loggers, cancellationToken)
            : throw new ConfigurationException($"ジョブの種類 {kind.Name} は照合できません / jobs of kind {kind.Name} cannot be reconciled");

    public Task<IReadOnlyList<SourceSize>> ReadSizesAsync(SizeRequest request, CancellationToken cancellationToken) =>
        Sized().ReadSizesAsync(Context, request, cancellationToken);

    public TargetRate RateOf(GivenThroughput given) => Sized().RateOf(Context, given);

    public IReadOnlyList<Doctor.DoctorEndpoint> DoctorEndpoints(Doctor.DoctorRequest request) =>
        kind is Doctor.IDoctorableKind<TSettings> doctorable ? [.. doctorable.DoctorEndpoints(Context, request)] : [];

    private ISizedKind<TSettings> Sized() => kind as ISizedKind<TSettings>
        ?? throw new ConfigurationException($"ジョブ種別 {kind.Name} の見積もりはできません / dxmig plan cannot size a {kind.Name} job");
}

/// <summary>
/// Base of every job kind: binds <see cref="IJobKind{TSettings}.Read"/>'s settings into a <see cref="BoundJob{TSettings}"/>.
/// </summary>
public abstract class JobKind<TSettings> : IJobKind<TSettings>
    where TSettings : class
{
    public abstract string Name { get; }

    public abstract IReadOnlyDictionary<string, bool> MappingNames { get; }

    public abstract TSettings? Read(JobFile job, DiagnosticBag diagnostics);

    public abstract IReadOnlyList<string> ListAccounts(JobFile job, TSettings settings);

    public abstract Task<RunResult> RunAsync(JobContext<TSettings> context, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken);

    public IBoundJob? Bind(JobFile job, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        var settings = Read(job, diagnostics);
        return settings is null || diagnostics.HasErrors ? null : new BoundJob<TSettings>(this, job, settings);
    }
}

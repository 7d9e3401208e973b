using Dxmig.Contracts;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Platform.Jobs;

/// <summary>
/// One kind of job (address books, mail, directory…): it reads its source, target and mapping sections, and wires its
/// extractor, transformer and loader into a run.
/// </summary>
public interface IJobKind
{
    /// <summary>The word in the job file's <c>kind:</c>.</summary>
    string Name { get; }

    /// <summary>Mapping names this kind reads, and whether each is required.</summary>
    IReadOnlyDictionary<string, bool> MappingNames { get; }

    /// <summary>Checks the source and target sections and the content of the mapping files; reports every problem.</summary>
    void Validate(JobFile job, DiagnosticBag diagnostics);

    /// <summary>Lists the accounts the job's source holds.</summary>
    /// <exception cref="Contracts.ConfigurationException">The source cannot be listed.</exception>
    IReadOnlyList<string> ListAccounts(JobFile job);

    /// <summary>Runs the job once.</summary>
    Task<RunResult> RunAsync(JobFile job, JobRunRequest request, IRunObserver observer, ILoggerFactory loggers, CancellationToken stopToken);
}

/// <summary>What the person asked for: which accounts (all when empty), and whether to write anything.</summary>
public sealed record JobRunRequest(IReadOnlyList<string> Accounts, bool DryRun, TimeProvider Time)
{
    /// <summary>
    /// <c>--confirm-deletes RUNID</c>: the run whose pending deletions (held back at the safety threshold) a person
    /// reviewed and confirms; null when none.
    /// </summary>
    public string? ConfirmDeletes { get; init; }
}

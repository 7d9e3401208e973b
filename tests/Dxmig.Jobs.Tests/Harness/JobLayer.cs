using Dxmig.Contracts;
using Dxmig.Jobs.Common;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Scheduling;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.Extensions.Logging;

namespace Dxmig.Jobs.Tests.Harness;

/// <summary>What one <see cref="JobRunner"/> run returned and showed.</summary>
public sealed record JobRun(int ExitCode, RecordingJobConsole Console)
{
    /// <summary>The run's result (the summary's data); fails the test when the run never got that far.</summary>
    public RunResult Result => Console.Result ?? throw new InvalidOperationException($"the run ended before its summary (exit {ExitCode}): {Explain}");

    public LedgerRun Run => Result.Run;

    public IReadOnlyList<LedgerItem> Quarantined => Console.Quarantined;

    /// <summary>The after-run reconciliation (null when the job does not reconcile after its runs).</summary>
    public ReconcileOutcome? Reconciliation => Console.Reconciliation;

    public string Lines => string.Join('\n', Console.Lines);

    public string Problems => string.Join('\n', Console.Problems);

    /// <summary>Every item read is accounted for: seen = loaded + removed + skipped + quarantined + already done.</summary>
    public bool Balanced => Run.Seen == Run.Loaded + Run.Removed + Run.Skipped + Run.Quarantined + Run.AlreadyDone;

    public AccountResult Account(string account) => Result.Accounts.Single(a => a.Account == account);

    /// <summary>Everything shown, for a failed assertion's message.</summary>
    public string Explain => Lines + "\n" + Problems + (Console.Result is { } r ? $"\n{r.Run.Outcome}: {r.Run.Message} " + string.Join("; ", r.Accounts.Select(a => $"{a.Account} {a.Outcome} {a.Message}")) : string.Empty);
}

/// <summary>What one <see cref="ReconcileService"/> reconciliation returned and showed.</summary>
public sealed record JobReconciliation(ReconcileOutcome Outcome, RecordingJobConsole Console)
{
    public int ExitCode => Outcome.ExitCode;

    public string Explain => string.Join('\n', Console.Lines) + "\n" + string.Join('\n', Console.Problems);
}

/// <summary>
/// The job layer over a <see cref="JobWorkspace"/> (its environment and clock), as <c>dxmig run</c>, <c>dxmig reconcile</c>
/// and <c>dxmig plan</c> call it, with a <see cref="RecordingJobConsole"/> instead of a terminal.
/// </summary>
public sealed class JobLayer(JobWorkspace workspace)
{
    public JobWorkspace Workspace { get; } = workspace;

    /// <summary><see cref="JobRunner.RunAsync"/>.</summary>
    public async Task<JobRun> RunAsync(string job, bool dryRun = false, IReadOnlyList<string>? accounts = null, string? confirmDeletes = null, bool ignoreWindow = false, CancellationToken stopToken = default)
    {
        SecretScan.RegisterVariables(Workspace.Environment);
        var console = new RecordingJobConsole();
        var code = await new JobRunner(Workspace.Variable, Workspace.Time).RunAsync(
            new JobRunOptions(job, dryRun, accounts) { ConfirmDeletes = confirmDeletes, IgnoreWindow = ignoreWindow }, console, stopToken);
        Keep(console);
        return new JobRun(code, console);
    }

    /// <summary>
    /// <see cref="ReconcileService.ReconcileAsync"/> on demand, as <c>dxmig reconcile</c> calls it: the job read for
    /// running, every account of its source (or the ones given), its log folder's loggers.
    /// </summary>
    public async Task<JobReconciliation> ReconcileAsync(string job, string? output = null, bool deep = false, IReadOnlyList<string>? accounts = null)
    {
        SecretScan.RegisterVariables(Workspace.Environment);
        var bound = JobLoader.LoadForRun(job, Workspace.Variable);
        var selected = JobRunner.SelectAccounts(bound.ListAccounts(), accounts ?? []);
        var console = new RecordingJobConsole();
        using var logging = DxmigLogging.Create(LogLevel.Warning, bound.File.LogFolder);
        var outcome = await new ReconcileService(Workspace.Time).ReconcileAsync(
            bound, new ReconcileOptions(selected, deep, output, RunId: null), logging.Loggers, console, CancellationToken.None);
        Keep(console);
        return new JobReconciliation(outcome, console);
    }

    /// <summary><see cref="PlanService.PlanAsync"/> with the closed-day rules alone (no closed-days file).</summary>
    public Task<PlanOutcome> PlanAsync(string job, GivenThroughput? given = null, bool useStatusSize = true, NodePlan? nodes = null)
    {
        var bound = JobLoader.LoadForRun(job, Workspace.Variable);
        var diagnostics = new DiagnosticBag();
        var calendar = ClosedDaysFile.Load(configPath: null, Workspace.Variable, diagnostics)
            ?? throw new InvalidOperationException(diagnostics.Render());
        return new PlanService(Workspace.Time).PlanAsync(bound, calendar.Calendar, given ?? new GivenThroughput(null, null), new SizeRequest(useStatusSize), nodes ?? NodePlan.Default, CancellationToken.None);
    }

    /// <summary>The ledger's quarantined items of a job (what the summary lists), read back.</summary>
    public async Task<IReadOnlyList<LedgerItem>> QuarantinedAsync() => [.. (await Workspace.LedgerItemsAsync()).Where(i => i.State == ItemState.Quarantined)];

    private static void Keep(RecordingJobConsole console) =>
        SecretScan.KeepText("jobs", string.Join('\n', console.Lines.Concat(console.Problems)));
}

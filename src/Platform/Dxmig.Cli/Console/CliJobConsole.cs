using Dxmig.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Spectre.Console;

namespace Dxmig.Cli.Console;

/// <summary>
/// The job layer's output on the command line: progress bars on a terminal (plain lines otherwise), the run's summary
/// table and the reconciliation's verdicts; results to standard output, problems to standard error.
/// </summary>
public sealed class CliJobConsole(CliIo io) : IJobConsole
{
    /// <summary>Runs a job once through the job layer (<see cref="JobRunner"/>), shown on <paramref name="io"/>: the one way the shell runs a job.</summary>
    public static Task<int> RunJobAsync(CliIo io, JobRunOptions options, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(io);
        return new JobRunner(io.Environment, io.Time).RunAsync(options, new CliJobConsole(io), stopToken);
    }

    public void Line(string text) => io.Line(text);

    public void Problem(string text) => io.Error.WriteLine(text);

    public Task PrimeAsync() => RunSummaryPrinter.PrimeAsync(io.Interactive);

    public Task<RunResult> ShowProgressAsync(int accounts, Func<IRunObserver, Task<RunResult>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return io.Interactive
            ? io.Console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new TransferSpeedColumn(),
                    new RemainingTimeColumn(),
                    new SpinnerColumn())
                .StartAsync(ctx => run(new LiveRunObserver(ctx, accounts)))
            : run(new PlainRunObserver(io, accounts));
    }

    public void RunSummary(RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined) =>
        RunSummaryPrinter.Print(io, result, logFile, quarantined);

    public void Reconciled(ReconcileOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var verdicts = outcome.Summary["verdicts"]!.AsObject();
        var table = new TextTable("照合 / reconciliation")
            .Column("アカウント / account", CellKind.Name)
            .Column("判定 / verdict", CellKind.Text)
            .Column("理由 / reason", CellKind.Text);
        var listed = outcome.Accounts.Where(a => a.Verdict != Verdict.Complete || outcome.Accounts.Count <= 50).Take(50);
        foreach (var a in listed)
        {
            var word = a.Verdict switch
            {
                Verdict.Complete => new TextCell("完了 / complete", "green"),
                Verdict.CompleteWithExceptions => new TextCell("例外あり完了 / complete with exceptions", "yellow"),
                _ => new TextCell("未完了 / incomplete", "red"),
            };
            table.Row(a.Account, word, a.Reason);
        }

        table.Write(io);
        io.Line(
            $"照合 / reconciliation: 完了 / complete {verdicts["complete"]}, 例外あり / with exceptions {verdicts["completeWithExceptions"]}, " +
            $"未完了 / incomplete {verdicts["incomplete"]}; {outcome.Summary["seconds"]} s, {outcome.Summary["requests"]} 要求 / requests");
        io.Line($"照合レポート / report: {outcome.HtmlReport}");
        if (outcome.Conflicts.Count > 0)
        {
            var kinds = string.Join(", ", outcome.Conflicts.GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            io.Line($"要確認: 管理者が確認すべき不整合 {outcome.Conflicts.Count} 件 ({kinds}) / needs attention: {outcome.Conflicts.Count} conflict(s) an admin must see");
        }
    }
}

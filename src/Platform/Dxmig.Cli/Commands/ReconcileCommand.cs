using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Cli.Kinds;
using Dxmig.Contracts;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Reconciliation;
using Dxmig.Platform.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig reconcile JOB [--accounts a,b] [--deep] [--out DIR]</c>: re-reads the source and the target independently,
/// compares them per account and container with the ledger beside them, and writes a report folder (index.html, CSV
/// lists, summary.json). Exit 0: every account complete; 1: the rest complete with documented exceptions only; 2: an
/// account incomplete, or reconciliation could not run. <c>dxmig run</c> calls the same after every run.
/// </summary>
internal static class ReconcileCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var job = new Argument<string>("job") { Description = "ジョブファイル / job file" };
        var accounts = new Option<string?>("--accounts") { Description = "このアカウントだけ (カンマ区切り) / only these accounts (comma-separated)" };
        var deep = new Option<bool>("--deep") { Description = "本文・行のハッシュまで比べます (遅い) / also compare content hashes (reads bodies: slow)" };
        var output = new Option<string?>("--out") { Description = "レポートの出力先フォルダ / the report folder (default: under the job's log folder)" };
        var command = new Command("reconcile", "移行元と移行先を照合しレポートを作ります / reconcile source and target and write a report") { job, accounts, deep, output };
        command.SetAction(async (parse, _) =>
        {
            JobFile file;
            IReadOnlyList<string> selected;
            try
            {
                file = JobFileReader.ReadForRun(parse.GetValue(job)!, JobKinds.All, io.Environment);
                selected = RunCommand.SelectAccounts(JobKinds.All[file.Kind].ListAccounts(file), RunCommand.Split(parse.GetValue(accounts)));
            }
            catch (ConfigurationException ex)
            {
                io.Error.WriteLine(SecretMasker.Apply(ex.Message));
                io.Error.WriteLine("設定に誤りがあるため照合しませんでした / not reconciled: the configuration has errors");
                return ExitCodes.Failed;
            }

            using var logging = DxmigLogging.Create(LogLevel.Warning, file.LogFolder);
            return await ExecuteAsync(io, file, selected, parse.GetValue(deep), parse.GetValue(output), null, logging.Loggers, stopToken());
        });
        return command;
    }

    /// <summary>Reconciles and prints the verdicts; returns the exit code.</summary>
    public static async Task<int> ExecuteAsync(
        CliIo io, JobFile job, IReadOnlyList<string> accounts, bool deep, string? output, string? runId, ILoggerFactory loggers, CancellationToken stopToken)
    {
        if (JobKinds.All[job.Kind] is not IReconcilableJobKind kind)
        {
            io.Error.WriteLine($"ジョブの種類 {job.Kind} は照合できません / jobs of kind {job.Kind} cannot be reconciled");
            return ExitCodes.Failed;
        }

        var started = io.Time.GetUtcNow();
        try
        {
            await using var ledger = await JobLedger.OpenAsync(
                StoreLocation.Parse(job.Ledger, job.Directory, job.LedgerPassword?.Resolve(job.Environment)), io.Time, stopToken);
            var afterRun = runId is not null;
            if (runId is null && await ledger.RecentRunsAsync(job.Name, 1, stopToken) is [var latest, ..])
            {
                runId = latest.RunId;
            }

            // After a run: reports/{runId}; on demand: reports/reconcile-{time}.
            var folder = output ?? Path.Combine(job.LogFolder, job.Name, "reports",
                afterRun ? runId! : "reconcile-" + started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

            await using var reconciler = await kind.CreateReconcilerAsync(job, new ReconcileRequest(accounts, deep, io.Time), loggers, stopToken);
            using var sink = new ReportSink(folder);
            io.Output.WriteLine($"照合中 / reconciling {accounts.Count} アカウント / accounts: {reconciler.SourceDescription} ⇔ {reconciler.TargetDescription}");
            await new ReconciliationRunner(reconciler, ledger, job.Name, loggers.CreateLogger("dxmig.reconcile"))
                .RunAsync(accounts, job.Parallelism, sink, stopToken);
            var timeline = runId is null ? [] : await ledger.LoadedTimelineAsync(job.Name, runId, stopToken);
            var header = new ReportHeader
            {
                Job = job.Name,
                Kind = job.Kind,
                RunId = runId,
                Started = started,
                Ended = io.Time.GetUtcNow(),
                Deep = deep,
                Source = SecretMasker.Apply(reconciler.SourceDescription),
                Target = SecretMasker.Apply(reconciler.TargetDescription),
                Compared = reconciler.Compared,
                Requests = reconciler.Requests,
                Timeline = timeline,
                Conflicts = reconciler is IConflictReconciler withConflicts ? await withConflicts.ConflictsAsync(stopToken) : [],
            };
            var summary = await ReportWriter.WriteAsync(sink, header, stopToken);
            Print(io, sink, summary, folder);
            if (header.Conflicts.Count > 0)
            {
                var kinds = string.Join(", ", header.Conflicts.GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
                io.Output.WriteLine($"要確認: 管理者が確認すべき不整合 {header.Conflicts.Count} 件 ({kinds}) / needs attention: {header.Conflicts.Count} conflict(s) an admin must see");
                return sink.ExitCode == ExitCodes.Success ? ExitCodes.Quarantined : sink.ExitCode; // 1: needs attention
            }

            return sink.ExitCode;
        }
        catch (Exception ex) when (ex is ConfigurationException or StoreSchemaException or IOException or UnauthorizedAccessException)
        {
            io.Error.WriteLine($"照合できませんでした / reconciliation failed: {SecretMasker.Apply(ex.Message)}");
            return ExitCodes.Failed;
        }
    }

    private static void Print(CliIo io, ReportSink sink, System.Text.Json.Nodes.JsonObject summary, string folder)
    {
        var verdicts = summary["verdicts"]!.AsObject();
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape("照合 / reconciliation"));
        table.AddColumn("アカウント / account");
        table.AddColumn("判定 / verdict");
        table.AddColumn("理由 / reason");
        var listed = sink.Accounts.Where(a => a.Verdict != Verdict.Complete || sink.Accounts.Count <= 50).Take(50);
        foreach (var a in listed)
        {
            var word = a.Verdict switch
            {
                Verdict.Complete => "[green]完了 / complete[/]",
                Verdict.CompleteWithExceptions => "[yellow]例外あり完了 / complete with exceptions[/]",
                _ => "[red]未完了 / incomplete[/]",
            };
            table.AddRow(new Markup(Markup.Escape(a.Account)), new Markup(word), new Markup(Markup.Escape(a.Reason)));
        }

        io.Console.Write(table);
        io.Output.WriteLine(
            $"照合 / reconciliation: 完了 / complete {verdicts["complete"]}, 例外あり / with exceptions {verdicts["completeWithExceptions"]}, " +
            $"未完了 / incomplete {verdicts["incomplete"]}; {summary["seconds"]} s, {summary["requests"]} 要求 / requests");
        io.Output.WriteLine($"照合レポート / report: {Path.Combine(folder, ReportWriter.HtmlFile)}");
    }
}

using Dxmig.Jobs;
using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Platform.JobFiles;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig status [JOB]</c>: the last runs and their accounting, from the ledger: the job file is read for its history
/// (<see cref="JobUse.History"/>), so a finished job whose export has moved still shows its runs.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliIo io)
    {
        var job = new Argument<string?>("job") { Description = "ジョブファイル (省略時は既定の台帳の全ジョブ) / job file (default: every job in the default ledger)", Arity = ArgumentArity.ZeroOrOne };
        var ledger = new Option<string?>("--ledger") { Description = "台帳 (SQLite のパス) / ledger (SQLite path)" };
        var runs = new Option<int>("--runs") { Description = "表示する実行の数 / how many runs to show", DefaultValueFactory = _ => 10 };
        var command = new Command("status", "最近の実行と集計を表示します / show recent runs and their accounting") { job, ledger, runs };
        command.SetAction((parse, ct) => ExecuteAsync(io, parse.GetValue(job), parse.GetValue(ledger), parse.GetValue(runs), ct));
        return command;
    }

    public static async Task<int> ExecuteAsync(CliIo io, string? jobPath, string? ledgerPath, int runCount, CancellationToken cancellationToken)
    {
        StoreLocation location;
        string? jobName = null;
        try
        {
            if (jobPath is not null)
            {
                var job = JobLoader.LoadForHistory(jobPath, io.Environment).File;
                jobName = job.Name;
                location = job.LedgerLocation();
            }
            else
            {
                var home = DxmigHome.Resolve(io.Environment);
                location = StoreLocation.Parse(ledgerPath ?? Path.Combine(home, "ledger.db"), Directory.GetCurrentDirectory());
            }
        }
        catch (ConfigurationException ex)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }

        if (location.Provider == StoreProvider.Sqlite && !File.Exists(location.Display))
        {
            io.Output.WriteLine($"台帳 {location} はまだありません (実行履歴なし) / ledger {location} does not exist yet (no runs)");
            return ExitCodes.Success;
        }

        await using var ledger = await JobLedger.OpenAsync(location, io.Time, cancellationToken);
        await Serve.ScheduleStatus.PrintAsync(io, ledger, jobPath, jobName, cancellationToken);
        var recent = await ledger.RecentRunsAsync(jobName, runCount, cancellationToken);
        if (recent.Count == 0)
        {
            io.Output.WriteLine("実行履歴はありません / no runs yet");
            return ExitCodes.Success;
        }

        var table = new TextTable($"最近の実行 / recent runs — {location}")
            .Column("開始 / started", CellKind.Number, 1)
            .Column("ジョブ / job", CellKind.Name)
            .Column("実行 / run", CellKind.Name, 7)
            .Column("結果 / outcome", CellKind.Text)
            .Column("読込 / seen", CellKind.Number, 2)
            .Column("投入 / loaded", CellKind.Number)
            .Column("削除 / removed", CellKind.Number, 5)
            .Column("スキップ / skipped", CellKind.Number, 4)
            .Column("隔離 / quarantined", CellKind.Number)
            .Column("処理済み / done", CellKind.Number, 3)
            .Column("時間 / took", CellKind.Number, 6);
        foreach (var run in recent)
        {
            table.Row(
                Units.Jst(run.StartedUtc),
                run.Job,
                run.RunId + (run.DryRun ? " (dry run)" : string.Empty),
                RunSummaryPrinter.Outcome(run.Outcome),
                Units.Count(run.Seen),
                Units.Count(run.Loaded),
                Units.Count(run.Removed),
                Units.Count(run.Skipped),
                Units.Count(run.Quarantined),
                Units.Count(run.AlreadyDone),
                run.EndedUtc is { } ended ? Units.Duration(ended - run.StartedUtc) : "-");
        }

        table.Write(io);
        var latest = recent[0];
        var accounts = await ledger.RunAccountsAsync(latest.RunId, cancellationToken);
        if (accounts.Count > 0)
        {
            var detail = RunSummaryPrinter.AccountTable($"最新の実行のアカウント別 / latest run by account — {latest.RunId}", "処理済み / done");
            var messages = new List<(string Line, string Style)>();
            foreach (var a in accounts.Where(a => accounts.Count <= 50 || a.Outcome != RunOutcome.Succeeded))
            {
                var outcome = RunSummaryPrinter.Outcome(a.Outcome);
                detail.Row(a.Account, outcome, Units.Count(a.Seen), Units.Count(a.Loaded), Units.Count(a.Removed),
                    Units.Count(a.Skipped), Units.Count(a.Quarantined), Units.Count(a.AlreadyDone));
                foreach (var message in new[] { a.Message, a.Warnings }.OfType<string>())
                {
                    messages.Add((RunSummaryPrinter.OneLine($"{a.Account}: {message}"), outcome.Style ?? "yellow"));
                }
            }

            detail.Write(io);
            foreach (var (line, style) in messages)
            {
                io.Line(line, style); // each account's message on its own line, not squeezed into a column
            }
        }

        if (latest.Message is not null)
        {
            io.Line(latest.Message);
        }

        if (jobPath is not null)
        {
            var job = JobLoader.LoadForHistory(jobPath, io.Environment).File;
            PrintRetention(io, await new Jobs.Retention.RetentionService(io.Time).MeasureAsync(job, cancellationToken));
        }

        return ExitCodes.Success;
    }

    /// <summary>What the job keeps (ledger rows, logs, reports) beside its retention settings, and the last enforcement.</summary>
    private static void PrintRetention(CliIo io, Jobs.Retention.RetentionStatus status)
    {
        var s = status.Settings;
        var table = new TextTable("保存期間 / retention")
            .Column("対象 / what", CellKind.Name)
            .Column("保存期間 / kept", CellKind.Text)
            .Column("現在 / now", CellKind.Text);
        if (status.Ledger is { } ledger)
        {
            var oldest = ledger.OldestRunUtc is { } o ? $"、最古 / oldest {Units.Jst(o)}" : string.Empty;
            table.Row("実行の記録 / runs", $"{s.RunsDays} 日 / days (最新 / newest {s.KeepRuns} 件は常に / always)",
                $"{Units.Count(ledger.Runs)} 件 / runs, {Units.Count(ledger.RunAccounts)} アカウント行 / account rows{oldest}");
            var removed = ledger.ItemsByState.GetValueOrDefault(Platform.Ledger.ItemState.Removed);
            var perItem = ledger.StorePerItem is { } disk ? $"、保存先 / on disk {disk:0} B/行 / row" : string.Empty;
            table.Row("項目の行 / item rows", $"常に / always (削除済み / removed: {s.RemovedItemsDays} 日 / days)",
                $"{Units.Count(ledger.Items)} 行 / rows (削除済み / removed {Units.Count(removed)})、値 / values {ledger.PayloadPerItem:0} B/行 / row{perItem}");
        }

        table.Row("ログ / logs", $"{s.LogsDays} 日 / days", $"{Units.Count(status.LogFiles)} 件 / files, {Jobs.Retention.RetentionOutcome.Units(status.LogBytes)}");
        table.Row("報告 / reports", $"{s.ReportsDays} 日 / days (最新は常に / newest always)", $"{Units.Count(status.Reports)} 件 / folders, {Jobs.Retention.RetentionOutcome.Units(status.ReportBytes)}");
        table.Write(io);
        io.Line(status.Last is { } last
            ? $"最後の整理 / last enforced: {Units.Jst(last.EnforcedUtc)} — {last.Describe()}"
            : "保存期間の整理はまだ行われていません (実行の後と dxmig serve が毎日行います) / retention not enforced yet (done after every run and daily by dxmig serve)");
    }
}

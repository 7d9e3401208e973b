using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;
using Spectre.Console;

namespace Dxmig.Cli.Console;

/// <summary>The accounting a run ends with, as a person reads it the next morning.</summary>
internal static class RunSummaryPrinter
{
    /// <summary>More accounts than this and only the ones needing attention are listed one by one.</summary>
    private const int ListAllUpTo = 50;

    /// <summary>
    /// Prints a made-up summary nowhere, so that the real one at the end of a run does not pay for preparing the table
    /// code (~20 ms of a run that has nothing to do).
    /// </summary>
    public static Task PrimeAsync(bool interactive) => Task.Run(() =>
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(TextWriter.Null),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        var run = new LedgerRun { RunId = "prime", Job = "prime", Node = "prime", StartedUtc = DateTime.UnixEpoch, Outcome = RunOutcome.Succeeded };
        Print(console, new RunResult(run, [new AccountResult("prime")]), "prime.jsonl", []);
    });

    public static void Print(IAnsiConsole console, RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined)
    {
        var run = result.Run;
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"ジョブ {run.Job} / job {run.Job} — 実行 run {run.RunId}"));
        table.AddColumn("アカウント / account");
        table.AddColumn("結果 / outcome");
        table.AddColumn(new TableColumn("読込 / seen").RightAligned());
        table.AddColumn(new TableColumn("投入 / loaded").RightAligned());
        table.AddColumn(new TableColumn("削除 / removed").RightAligned());
        table.AddColumn(new TableColumn("スキップ / skipped").RightAligned());
        table.AddColumn(new TableColumn("隔離 / quarantined").RightAligned());
        table.AddColumn(new TableColumn("処理済み / already done").RightAligned());
        // Accounts a run did not try (its circuit opened) are one line, not one row each.
        var notTried = result.Accounts.Count(a => a.NotTried);
        var tried = result.Accounts.Where(a => !a.NotTried).ToList();
        var shown = tried.Count <= ListAllUpTo
            ? tried
            : [.. tried.Where(a => a.Outcome != RunOutcome.Succeeded)];
        foreach (var account in shown)
        {
            table.AddRow(
                Markup.Escape(account.Account),
                Outcome(account.Outcome),
                Units.Count(account.Seen),
                Units.Count(account.Loaded),
                Units.Count(account.Removed),
                Units.Count(account.Skipped),
                Units.Count(account.Quarantined),
                Units.Count(account.AlreadyDone));
        }

        if (shown.Count < tried.Count)
        {
            table.AddRow($"(ほか成功 {tried.Count - shown.Count} / {tried.Count - shown.Count} more succeeded)", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        if (notTried > 0)
        {
            table.AddRow($"(未実行 {notTried} / {notTried} not tried)", Outcome(RunOutcome.Stopped), string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        table.AddRow(
            "[bold]合計 / total[/]",
            Outcome(run.Outcome),
            $"[bold]{Units.Count(run.Seen)}[/]",
            $"[bold]{Units.Count(run.Loaded)}[/]",
            $"[bold]{Units.Count(run.Removed)}[/]",
            $"[bold]{Units.Count(run.Skipped)}[/]",
            $"[bold]{Units.Count(run.Quarantined)}[/]",
            $"[bold]{Units.Count(run.AlreadyDone)}[/]");
        console.Write(table);

        console.MarkupLine(Markup.Escape(
            $"集計 / accounting: {run.Accounting(words: AccountingWords.Japanese)} " + (result.Outage is not null
                ? "(サーバーに接続できず未完了 / incomplete: a server could not be reached)"
                : run.Balances() ? "(一致 / balanced)" : "(不一致 / DOES NOT BALANCE)")));
        console.MarkupLine(Markup.Escape($"データ量 / bytes read: {Units.Bytes(run.Bytes)}; 所要時間 / took {Units.Duration((run.EndedUtc ?? run.StartedUtc) - run.StartedUtc)}"));
        if (run.DryRun)
        {
            console.MarkupLine("[yellow]試行 (dry run): 移行先にも台帳にも何も書いていません / nothing was written to the target or the ledger[/]");
        }

        foreach (var failed in tried.Where(a => a.Outcome is RunOutcome.Failed or RunOutcome.Stopped))
        {
            console.MarkupLine($"[red]{Markup.Escape($"{failed.Account}: {failed.Message}")}[/]");
        }

        foreach (var account in result.Accounts.Where(a => a.Warnings.Count > 0))
        {
            foreach (var warning in account.Warnings)
            {
                console.MarkupLine($"[yellow]{Markup.Escape($"要確認 / attention: {account.Account}: {warning}")}[/]");
            }
        }

        if (quarantined.Count > 0)
        {
            var list = new Table().Border(TableBorder.Simple).Title("隔離した項目 / quarantined items");
            list.AddColumn("アカウント / account");
            list.AddColumn("場所 / where");
            list.AddColumn("理由 / reason");
            foreach (var item in quarantined)
            {
                list.AddRow(Markup.Escape(item.Account), Markup.Escape(item.Location ?? item.NativeId), Markup.Escape($"[{item.Code}] {item.Message}"));
            }

            console.Write(list);
        }

        if (run.Message is not null)
        {
            console.MarkupLine(Markup.Escape(run.Message));
        }

        if (logFile is not null)
        {
            console.MarkupLine(Markup.Escape($"ログ / log: {logFile}"));
        }
    }

    public static string Outcome(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => "[green]成功 / succeeded[/]",
        RunOutcome.CompletedWithQuarantine => "[yellow]隔離あり / quarantined[/]",
        RunOutcome.CompletedWithWarnings => "[yellow]要確認 / needs attention[/]",
        RunOutcome.Failed => "[red]失敗 / failed[/]",
        RunOutcome.Stopped => "[yellow]停止 / stopped[/]",
        RunOutcome.Interrupted => "[red]中断 / interrupted[/]",
        _ => "[blue]実行中 / running[/]",
    };
}

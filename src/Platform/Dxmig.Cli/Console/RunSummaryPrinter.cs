using Dxmig.Platform.Ledger;
using Dxmig.Platform.Pipeline;

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
        var io = new CliIo(TextWriter.Null, TextWriter.Null, interactive, _ => null, TimeProvider.System, 80);
        var run = new LedgerRun { RunId = "prime", Job = "prime", Node = "prime", StartedUtc = DateTime.UnixEpoch, Outcome = RunOutcome.Succeeded };
        Print(io, new RunResult(run, [new AccountResult("prime")]), "prime.jsonl", []);
    });

    /// <summary>The accounting by account (run summary and <c>status</c>): the columns in the order a narrow terminal drops them.</summary>
    public static TextTable AccountTable(string title, string doneHeader) => new TextTable(title)
        .Column("アカウント / account", CellKind.Name)
        .Column("結果 / outcome", CellKind.Text)
        .Column("読込 / seen", CellKind.Number, 1)
        .Column("投入 / loaded", CellKind.Number)
        .Column("削除 / removed", CellKind.Number, 4)
        .Column("スキップ / skipped", CellKind.Number, 3)
        .Column("隔離 / quarantined", CellKind.Number)
        .Column(doneHeader, CellKind.Number, 2);

    public static void Print(CliIo io, RunResult result, string? logFile, IReadOnlyList<LedgerItem> quarantined)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(result);
        var run = result.Run;
        var table = AccountTable($"ジョブ {run.Job} / job {run.Job} — 実行 run {run.RunId}", "処理済み / already done");
        // Accounts a run did not try (its circuit opened) are one line, not one row each.
        var notTried = result.Accounts.Count(a => a.NotTried);
        var tried = result.Accounts.Where(a => !a.NotTried).ToList();
        var shown = tried.Count <= ListAllUpTo
            ? tried
            : [.. tried.Where(a => a.Outcome != RunOutcome.Succeeded)];
        foreach (var account in shown)
        {
            table.Row(
                account.Account,
                Outcome(account.Outcome),
                Units.Count(account.Seen),
                Units.Count(account.Loaded),
                Units.Count(account.Removed),
                Units.Count(account.Skipped),
                Units.Count(account.Quarantined),
                Units.Count(account.AlreadyDone));
        }

        var total = Outcome(run.Outcome);
        table.Row(
            new TextCell("合計 / total", "bold"),
            total,
            new TextCell(Units.Count(run.Seen), "bold"),
            new TextCell(Units.Count(run.Loaded), "bold"),
            new TextCell(Units.Count(run.Removed), "bold"),
            new TextCell(Units.Count(run.Skipped), "bold"),
            new TextCell(Units.Count(run.Quarantined), "bold"),
            new TextCell(Units.Count(run.AlreadyDone), "bold"));
        table.Write(io);
        if (shown.Count < tried.Count)
        {
            io.Line($"(ほか成功 {tried.Count - shown.Count} アカウント / {tried.Count - shown.Count} more accounts succeeded)");
        }

        if (notTried > 0)
        {
            io.Line($"(未実行 {notTried} アカウント: 次の実行で移します / {notTried} accounts not tried: the next run carries them)");
        }

        io.Line($"集計 / accounting: {run.Accounting(words: AccountingWords.Japanese)} " + (result.Outage is not null
            ? "(サーバーに接続できず未完了 / incomplete: a server could not be reached)"
            : run.Balances() ? "(一致 / balanced)" : "(不一致 / DOES NOT BALANCE)"));
        io.Line($"データ量 / bytes read: {Units.Bytes(run.Bytes)}; 所要時間 / took {Units.Duration((run.EndedUtc ?? run.StartedUtc) - run.StartedUtc)}");
        if (run.DryRun)
        {
            io.Line("試行 (dry run): 移行先にも台帳にも何も書いていません / nothing was written to the target or the ledger", "yellow");
        }

        foreach (var failed in tried.Where(a => a.Outcome is RunOutcome.Failed or RunOutcome.Stopped))
        {
            io.Line(OneLine($"{failed.Account}: {failed.Message}"), "red");
        }

        foreach (var account in result.Accounts.Where(a => a.Warnings.Count > 0))
        {
            foreach (var warning in account.Warnings)
            {
                io.Line(OneLine($"要確認 / attention: {account.Account}: {warning}"), "yellow");
            }
        }

        if (quarantined.Count > 0)
        {
            var list = new TextTable("隔離した項目 / quarantined items")
                .Column("アカウント / account", CellKind.Name)
                .Column("場所 / where", CellKind.Text, 1)
                .Column("理由 / reason", CellKind.Text);
            foreach (var item in quarantined)
            {
                list.Row(item.Account, item.Location ?? item.NativeId, $"[{item.Code}] {item.Message}");
            }

            list.Write(io);
        }

        if (run.Message is not null)
        {
            io.Line(run.Message);
        }

        if (logFile is not null)
        {
            io.Line($"ログ / log: {logFile}");
        }
    }

    /// <summary>An outcome in words, coloured on a colour terminal.</summary>
    public static TextCell Outcome(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => new("成功 / succeeded", "green"),
        RunOutcome.CompletedWithQuarantine => new("隔離あり / quarantined", "yellow"),
        RunOutcome.CompletedWithWarnings => new("要確認 / needs attention", "yellow"),
        RunOutcome.Failed => new("失敗 / failed", "red"),
        RunOutcome.Stopped => new("停止 / stopped", "yellow"),
        RunOutcome.Interrupted => new("中断 / interrupted", "red"),
        _ => new("実行中 / running", "blue"),
    };

    /// <summary>A message on one line (a line break inside it would look like a second message).</summary>
    public static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

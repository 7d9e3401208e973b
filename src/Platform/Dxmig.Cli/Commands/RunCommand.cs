using Dxmig.Jobs;
using System.CommandLine;
using Dxmig.Cli.Console;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig run JOB [--dry-run] [--accounts a,b] [--ignore-window] [--confirm-deletes RUNID]</c>: one run now. Exit 0:
/// everything accounted, loaded or skipped; 1: finished with quarantined items; 2: failed, stopped, or bad
/// configuration; 3: outside the run window, or stopped at its end (the next window resumes it).
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var job = new Argument<string>("job") { Description = "ジョブファイル / job file" };
        var dryRun = new Option<bool>("--dry-run") { Description = "読んで比べるだけで何も書きません / read and compare, write nothing" };
        var accounts = new Option<string?>("--accounts") { Description = "このアカウントだけ (カンマ区切り) / only these accounts (comma-separated)" };
        var ignoreWindow = new Option<bool>("--ignore-window")
        {
            Description = "ジョブの実行時間帯の外でも今すぐ実行します (運用者の判断で) / run now even outside the job's run window (an operator's decision)",
        };
        var confirmDeletes = new Option<string?>("--confirm-deletes")
        {
            Description = "しきい値で止めた実行 RUNID の削除予定一覧を確認済みとして削除します / confirm the pending deletions a run (RUNID) held back at the threshold, and delete them",
        };
        var command = new Command("run", "ジョブを一回実行します / run a job once") { job, dryRun, accounts, ignoreWindow, confirmDeletes };
        command.SetAction((parse, _) => CliJobConsole.RunJobAsync(
            io,
            new JobRunOptions(parse.GetValue(job)!, parse.GetValue(dryRun), Split(parse.GetValue(accounts)))
            {
                IgnoreWindow = parse.GetValue(ignoreWindow),
                ConfirmDeletes = parse.GetValue(confirmDeletes),
            },
            stopToken()));
        return command;
    }

    internal static IReadOnlyList<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

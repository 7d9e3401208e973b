using Dxmig.Jobs;
using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig reconcile JOB [--accounts a,b] [--deep] [--out DIR]</c>: re-reads the source and the target independently,
/// compares them per account and container with the ledger beside them, and writes a report folder (index.html, CSV
/// lists, summary.json). Exit 0: every account complete; 1: the rest complete with documented exceptions only; 2: an
/// account incomplete, or reconciliation could not run. The work is <see cref="ReconcileService"/>, which <c>dxmig run</c> also calls after every run.
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
            IBoundJob file;
            IReadOnlyList<string> selected;
            try
            {
                // Read for its history: a source that is gone is said plainly below, not a configuration error.
                file = JobLoader.LoadForHistory(parse.GetValue(job)!, io.Environment);
                if (file.File.Unreachable.Count > 0)
                {
                    foreach (var missing in file.File.Unreachable)
                    {
                        io.Error.WriteLine($"{missing.Position}: 移行元に届きません: {missing.Japanese} / cannot reach the source: {missing.English}");
                    }

                    io.Error.WriteLine("移行元を読めないため照合しませんでした (実行の履歴は dxmig status JOB で見られます) / not reconciled: the source cannot be read (the runs' history: dxmig status JOB)");
                    return ExitCodes.Failed;
                }

                selected = JobRunner.SelectAccounts(file.ListAccounts(), RunCommand.Split(parse.GetValue(accounts)));
            }
            catch (ConfigurationException ex)
            {
                io.Error.WriteLine(SecretMasker.Apply(ex.Message));
                io.Error.WriteLine("設定に誤りがあるため照合しませんでした / not reconciled: the configuration has errors");
                return ExitCodes.Failed;
            }

            using var logging = DxmigLogging.Create(LogLevel.Warning, file.File.LogFolder);
            var outcome = await new ReconcileService(io.Time).ReconcileAsync(
                file, new ReconcileOptions(selected, parse.GetValue(deep), parse.GetValue(output), RunId: null), logging.Loggers, new CliJobConsole(io), stopToken());
            return outcome.ExitCode;
        });
        return command;
    }
}

using Dxmig.Contracts;
using System.CommandLine;
using Dxmig.Cli.Console;
using Dxmig.Cli.Kinds;
using Dxmig.Platform.Jobs;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Commands;

/// <summary><c>dxmig validate JOB…</c>: checks job files and the mapping files they name; prints every problem.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliIo io)
    {
        var jobs = new Argument<string[]>("job") { Description = "ジョブファイル (複数可) / job file(s)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "ジョブファイルとマッピングファイルを検査します / check job files and the mapping files they name") { jobs };
        command.SetAction(parse => Execute(io, parse.GetValue(jobs) ?? []));
        return command;
    }

    public static int Execute(CliIo io, IReadOnlyList<string> paths)
    {
        var failed = false;
        foreach (var path in paths)
        {
            var diagnostics = new DiagnosticBag();
            var job = JobFileReader.Read(path, JobKinds.All, diagnostics, io.Environment);
            if (diagnostics.Items.Count > 0)
            {
                io.Error.WriteLine(diagnostics.Render());
            }

            if (job is null || diagnostics.HasErrors)
            {
                failed = true;
                var errors = diagnostics.Items.Count(d => d.Severity == Severity.Error);
                io.Error.WriteLine($"{path}: {errors} 件のエラー / {errors} error(s)");
                continue;
            }

            var accounts = JobKinds.All[job.Kind].ListAccounts(job);
            io.Output.WriteLine($"{path}: 問題なし / OK — ジョブ job {job.Name} ({job.Kind}), アカウント accounts {accounts.Count}, 台帳 ledger {Platform.Storage.StoreLocation.Parse(job.Ledger, job.Directory)}");
        }

        return failed ? ExitCodes.Failed : ExitCodes.Success;
    }
}

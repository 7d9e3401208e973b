using Dxmig.Contracts;
using Dxmig.Jobs;
using System.CommandLine;
using Dxmig.Cli.Console;
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
            var loaded = JobLoader.Load(path, diagnostics, io.Environment);
            var job = loaded?.File;
            if (diagnostics.Items.Count > 0)
            {
                io.Error.WriteLine(diagnostics.Render());
            }

            foreach (var note in diagnostics.Notes)
            {
                io.Output.WriteLine(note);
            }

            if (loaded is null || job is null || diagnostics.HasErrors)
            {
                failed = true;
                var errors = diagnostics.Items.Count(d => d.Severity == Severity.Error);
                io.Error.WriteLine($"{path}: {errors} 件のエラー / {errors} error(s)");
                continue;
            }

            var accounts = loaded.ListAccounts();
            io.Output.WriteLine($"{path}: 問題なし / OK — ジョブ job {job.Name} ({job.Kind}), アカウント accounts {accounts.Count}, 台帳 ledger {Platform.Storage.StoreLocation.Parse(job.Ledger, job.Directory)}");
        }

        return failed ? ExitCodes.Failed : ExitCodes.Success;
    }
}

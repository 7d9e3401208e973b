using System.CommandLine;
using System.Globalization;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Jobs.Doctor;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;

namespace Dxmig.Cli.Commands;

/// <summary>
/// <c>dxmig doctor JOB…</c>: checks, without moving data, that every endpoint a job uses answers and lets it in: the
/// source and target servers (TCP, TLS as the run verifies it, the admin login, the first accounts opened read-only),
/// Graph (a token, then one cheap read per permission the job needs), the ledger and platform store, the alert mail
/// server, the export files. One line per check, OK / NG / WARN / SKIP first, the reason and the fix after an NG; one
/// verdict per endpoint. Exit 0 when all pass, 1 when only warnings, 2 when any check fails or a job file has errors.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliIo io, Func<CancellationToken> stopToken)
    {
        var jobs = new Argument<string[]>("job") { Description = "ジョブファイル (複数可) / job file(s)", Arity = ArgumentArity.OneOrMore };
        var accounts = new Option<int>("--accounts")
        {
            Description = $"メールボックス サーバーごとに開くアカウントの数 (既定 {DoctorRequest.DefaultAccounts}) / accounts opened per mailbox server (default {DoctorRequest.DefaultAccounts})",
            DefaultValueFactory = _ => DoctorRequest.DefaultAccounts,
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = $"1 つの確認を待つ秒数 (既定 {DoctorRequest.DefaultTimeout.TotalSeconds:0}) / seconds one check may take (default {DoctorRequest.DefaultTimeout.TotalSeconds:0})",
            DefaultValueFactory = _ => (int)DoctorRequest.DefaultTimeout.TotalSeconds,
        };
        var command = new Command(
            "doctor",
            "ジョブが使う接続先 (サーバー、資格情報、権限) をデータを動かさずに確かめます。終了コード 0: すべて OK, 1: 注意あり, 2: NG あり / "
            + "check every endpoint a job uses (connection, credentials, permissions) without moving data; exit 0: all OK, 1: warnings, 2: a check failed")
        {
            jobs, accounts, timeout,
        };
        command.SetAction((parse, ct) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stopToken());
            return ExecuteAsync(io, parse.GetValue(jobs) ?? [], parse.GetValue(accounts), parse.GetValue(timeout), linked.Token);
        });
        return command;
    }

    public static async Task<int> ExecuteAsync(CliIo io, IReadOnlyList<string> paths, int accounts, int timeoutSeconds, CancellationToken cancellationToken)
    {
        if (accounts < 1 || timeoutSeconds < 1)
        {
            io.Error.WriteLine("--accounts と --timeout は 1 以上です / --accounts and --timeout must be 1 or more");
            return ExitCodes.Failed;
        }

        var request = new DoctorRequest { Accounts = accounts, Timeout = TimeSpan.FromSeconds(timeoutSeconds) };
        var (ok, warned, failed) = (0, 0, 0);
        var jobErrors = false;
        foreach (var path in paths)
        {
            var diagnostics = new DiagnosticBag();
            var job = JobLoader.Load(path, diagnostics, io.Environment);
            if (job is null || diagnostics.HasErrors)
            {
                if (diagnostics.Items.Count > 0)
                {
                    io.Error.WriteLine(diagnostics.Render());
                }

                var errors = diagnostics.Items.Count(d => d.Severity == Severity.Error);
                io.Error.WriteLine($"{path}: {errors} 件のエラー、接続は確かめていません / {errors} error(s); no endpoint was checked (dxmig validate {path})");
                jobErrors = true;
                continue;
            }

            io.Output.WriteLine($"{path}: ジョブ job {job.File.Name} ({job.File.Kind})");
            await foreach (var result in DoctorService.CheckAsync(job, request, cancellationToken))
            {
                Print(io.Output, result);
                _ = result.Verdict switch
                {
                    DoctorStatus.Failed => failed++,
                    DoctorStatus.Warning => warned++,
                    _ => ok++,
                };
            }
        }

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"診断 / doctor: 接続先 OK {ok}, 注意 WARN {warned}, NG {failed}{(jobErrors ? " (ジョブファイルにエラーあり / a job file has errors)" : string.Empty)} — データは動かしていません / no data was moved");
        io.Output.WriteLine(summary);
        return failed > 0 || jobErrors ? ExitCodes.Failed : warned > 0 ? ExitCodes.Quarantined : ExitCodes.Success;
    }

    /// <summary>One endpoint: its heading, then one line per check (the word first, so it reads without colour), the reason and fix under an NG.</summary>
    private static void Print(TextWriter output, DoctorResult result)
    {
        output.WriteLine(SecretMasker.Apply($"  {Word(result.Verdict)} {result.Endpoint.Role}: {result.Endpoint.Address}"));
        foreach (var line in result.Lines)
        {
            output.WriteLine(SecretMasker.Apply($"      {Word(line.Status)} {line.Check}{(line.Detail is null || line.Status == DoctorStatus.Failed ? string.Empty : " — " + line.Detail)}"));
            if (line.Status is DoctorStatus.Failed or DoctorStatus.Warning)
            {
                if (line.Status == DoctorStatus.Failed && line.Detail is not null)
                {
                    output.WriteLine(SecretMasker.Apply($"           理由 / reason: {line.Detail}"));
                }

                if (line.Fix is not null)
                {
                    output.WriteLine(SecretMasker.Apply($"           対処 / fix: {line.Fix}"));
                }
            }
        }
    }

    private static string Word(DoctorStatus status) => status switch
    {
        DoctorStatus.Ok => "OK  ",
        DoctorStatus.Warning => "WARN",
        DoctorStatus.Failed => "NG  ",
        _ => "SKIP",
    };
}

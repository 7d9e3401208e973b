using System.CommandLine;
using Dxmig.Cli.Commands;
using Dxmig.Cli.Console;
using Dxmig.Contracts;
using Dxmig.Platform.Ledger;
using Dxmig.Platform.Logging;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;

namespace Dxmig.Cli;

/// <summary>The <c>dxmig</c> command line: validate, run, status, reconcile, calendar, plan, serve (and, in the demo build, demo).</summary>
public static class CliApp
{
    /// <summary>The command tree; <paramref name="extra"/> adds commands of a build that carries more (the demo).</summary>
    public static RootCommand Build(CliIo io, Func<CancellationToken> stopToken, params Func<CliIo, Func<CancellationToken>, Command>[] extra)
    {
        var root = new RootCommand(
            "dxmig — 移行・連携バッチ (メール、グループウェア、モバイルワーク) / migration and integration batch jobs for mail, groupware and mobile work")
        {
            ValidateCommand.Create(io),
            RunCommand.Create(io, stopToken),
            StatusCommand.Create(io),
            ReconcileCommand.Create(io, stopToken),
            CalendarCommand.Create(io),
            PlanCommand.Create(io, stopToken),
            DoctorCommand.Create(io, stopToken),
            Serve.ServeCommand.Create(io, stopToken),
            ConsoleAccountCommand.Create(io),
        };
        foreach (var create in extra)
        {
            root.Subcommands.Add(create(io, stopToken));
        }

        if (!root.Subcommands.Any(c => c.Name == "demo"))
        {
            // The installed product carries no sandbox: say where the demo is instead of "unrecognized command".
            var demo = new Command("demo", "デモはソースのチェックアウトで ./dxmig demo / the demo runs from a source checkout: ./dxmig demo") { Hidden = true };
            demo.TreatUnmatchedTokensAsErrors = false;
            demo.SetAction(_ =>
            {
                io.Error.WriteLine(
                    "この dxmig にはデモ環境が入っていません。ソースのチェックアウトで ./dxmig demo を実行してください / "
                    + "this dxmig carries no demo sandbox: run ./dxmig demo from a source checkout");
                return ExitCodes.Failed;
            });
            root.Subcommands.Add(demo);
        }

        foreach (var option in root.Options)
        {
            option.Description = option switch
            {
                System.CommandLine.Help.HelpOption => "使い方と終了コードを表示します / show how to use it and the exit codes",
                VersionOption => "版を表示します / show the version",
                _ => option.Description,
            };
        }

        return root;
    }

    /// <summary>Parses and runs; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliIo io, Func<CancellationToken> stopToken, params Func<CliIo, Func<CancellationToken>, Command>[] extra)
    {
        var root = Build(io, stopToken, extra);
        var parsed = root.Parse(args);
        if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // A wrong command line: said in plain words on standard error, and exit code 2 (nothing ran).
            foreach (var line in UsageErrors.Describe(parsed))
            {
                io.Error.WriteLine(line);
            }

            return ExitCodes.Usage;
        }

        if (parsed.Action is System.CommandLine.Help.HelpAction)
        {
            // The library's help, with optional arguments shown optional and the exit codes added.
            var help = new StringWriter();
            var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = help, Error = io.Error });
            io.Output.Write(CliHelp.Complete(help.ToString(), parsed.CommandResult.Command, io.Width));
            return code;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = io.Output,
                Error = io.Error,
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception ex) when (ex is ConfigurationException or JobBusyException or StoreSchemaException)
        {
            io.Error.WriteLine(SecretMasker.Apply(ex.Message));
            return ExitCodes.Failed;
        }
#pragma warning disable CA1031 // The last line of defence: a person gets a plain message and exit code 2, never a raw crash.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            io.Error.WriteLine($"予期しないエラーで終了しました / dxmig stopped on an unexpected error: {SecretMasker.Apply(ex.Message)}");
            io.Error.WriteLine(new MaskedException(ex).ToString());
            return ExitCodes.Failed;
        }
    }
}

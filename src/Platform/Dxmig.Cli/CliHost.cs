using System.CommandLine;
using System.Runtime.InteropServices;
using Dxmig.Cli.Console;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;

namespace Dxmig.Cli;

/// <summary>The process around the command line: code pages, owner-only files, and the stop signals.</summary>
public static class CliHost
{
    /// <summary>
    /// Runs the command line for this process. First SIGINT/SIGTERM: finish the batch in hand, record it, stop (the next
    /// run resumes). Second: leave at once.
    /// </summary>
    public static async Task<int> MainAsync(string[] args, params Func<CliIo, Func<CancellationToken>, Command>[] extra)
    {
        JapaneseEncodings.EnsureRegistered();
        OwnerOnlyFile.RestrictNewFilesToOwner();
        using var stop = new CancellationTokenSource();
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                System.Console.Error.WriteLine("停止要求を受けました。処理中のバッチを終えて止まります (もう一度で即時終了) / stop requested: finishing the batch in hand (again to quit at once)");
                stop.Cancel();
            }
            else
            {
                Environment.Exit(130);
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return await CliApp.RunAsync(args, CliIo.ForProcess(), () => stop.Token, extra);
    }
}
